// Where an upload goes, as an operator writes it: "s3://BUCKET/KEY" or
// "azure://CONTAINER/BLOB", and Azure's connection string (the portal's,
// or the emulator's with BlobEndpoint).
#ifndef RTPARCHIVE_STORAGE_DESTINATION_H_
#define RTPARCHIVE_STORAGE_DESTINATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/upload.h"

namespace rtparchive::storage {

struct DestinationUrl {
  std::string scheme;     // "s3" or "azure"
  std::string container;  // bucket or container
  std::string object;     // key or blob name
};

// InvalidArgument saying the expected form.
absl::StatusOr<DestinationUrl> ParseDestinationUrl(absl::string_view url);

// Fills account, key and endpoint from "AccountName=...;AccountKey=...;
// [BlobEndpoint=...|DefaultEndpointsProtocol=...;EndpointSuffix=...]" or
// "UseDevelopmentStorage=true" (the emulator on 127.0.0.1:10000).
absl::Status ApplyConnectionString(absl::string_view text, AzureDestination* destination);

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_DESTINATION_H_
