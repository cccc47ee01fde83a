// Fuzz target: a capture's DTLS datagrams read for their hellos, with a key
// log, as `replay --key_log` reads them. Input: a key log entry (client
// random 32 bytes, master secret 48 bytes), then datagrams, each preceded
// by its direction (1 byte, odd: from the client) and length (2 bytes).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "webrtc/dtls_key_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using rtparchive::webrtc::DtlsKeyFinder;
  if (size < 80) return 0;
  rtparchive::webrtc::MasterSecrets secrets;
  secrets[std::vector<uint8_t>(data, data + 32)] = std::vector<uint8_t>(data + 32, data + 80);
  DtlsKeyFinder finder(std::move(secrets));
  size_t keys = 0;
  for (size_t at = 80; at + 3 <= size;) {
    const bool from_client = data[at] & 1;
    const size_t length = std::min<size_t>(size - at - 3, data[at + 1] << 8 | data[at + 2]);
    for (const auto& key : finder.Offer(from_client ? "c" : "s", from_client ? "s" : "c",
                                        absl::Span<const uint8_t>(data + at + 3, length))) {
      if (key.key_salt.size() != rtparchive::srtp::KeySaltBytes(key.suite)) __builtin_trap();
      ++keys;
    }
    at += 3 + length;
  }
  // Keys come in pairs, one pair per handshake keyed.
  if (keys != 2 * static_cast<size_t>(finder.counts().handshakes_keyed)) __builtin_trap();
  // The key log's text parser on the same bytes.
  (void)rtparchive::webrtc::ParseKeyLog(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
