// Store answers and operator input for uploads: XML bodies (UploadId, Code,
// Message), the status an answer means, destination URLs and Azure
// connection strings. None may crash or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/destination.h"
#include "storage/digests.h"
#include "storage/store_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  rtparchive::storage::XmlText(text, "UploadId");
  rtparchive::storage::HttpAnswer answer;
  answer.status = size > 0 ? 200 + data[0] * 2 : 0;
  answer.body = text;
  answer.headers["x-ms-error-code"] = text.substr(0, 16);
  (void)rtparchive::storage::StatusOf(answer, "fuzz");
  (void)rtparchive::storage::ParseDestinationUrl(text);
  rtparchive::storage::AzureDestination azure;
  (void)rtparchive::storage::ApplyConnectionString(text, &azure);
  (void)rtparchive::storage::FromBase64(text);
  return 0;
}
