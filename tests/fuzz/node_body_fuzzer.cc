// Fuzz target: request bodies and state the node reads: a storage target
// (PUT .../archive/storage, untrusted bytes from any client holding the
// key), a sealed state file, an archive state file.
#include <rapidjson/document.h>

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
    // What the API answers never holds a secret member. (The secret's text
    // may still appear inside another field that happens to contain it.)
    rapidjson::Document shown;
    shown.Parse(rtparchive::node::StorageTargetJson(*target).c_str());
    if (!shown.IsObject()) __builtin_trap();
    for (const char* secret : {"secretAccessKey", "sessionToken", "accountKey"}) {
      if (shown.HasMember(secret)) __builtin_trap();
    }
  }
  // Nothing opens without the secret it was sealed under.
  if (rtparchive::node::Unseal("s3cret", body).ok() && rtparchive::node::Unseal("other", body).ok()) {
    __builtin_trap();
  }
  (void)rtparchive::node::ParseRecordState(body);
  return 0;
}
