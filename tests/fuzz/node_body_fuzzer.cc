// Fuzz target: request bodies and state the node reads: a storage target
// (PUT .../archive/storage, untrusted bytes from any client holding the
// key), a sealed state file, an archive state file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/archive_record.h"
#include "node/sealed_text.h"
#include "node/storage_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto target = rtparchive::node::ParseStorageTargetJson(body);
  if (target.ok()) {
    // What the API answers never holds the secret.
    const std::string shown = rtparchive::node::StorageTargetJson(*target);
    const std::string& secret = target->type == "s3" ? target->s3.secret_access_key : target->azure.account_key;
    if (secret.size() > 8 && shown.find(secret) != std::string::npos) __builtin_trap();
  }
  // Nothing opens without the secret it was sealed under.
  if (rtparchive::node::Unseal("s3cret", body).ok() && rtparchive::node::Unseal("other", body).ok()) {
    __builtin_trap();
  }
  (void)rtparchive::node::ParseRecordState(body);
  return 0;
}
