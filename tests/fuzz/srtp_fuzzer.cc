// Fuzz target: SRTP/SRTCP packets from anyone who can reach a media port of
// an SDES stream, and a=crypto values from announced SDPs. Input: a first
// byte choosing which, then the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "srtp/srtp_receiver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using rtparchive::srtp::SrtpReceiver;
  if (size < 1) return 0;
  if (data[0] & 1) {
    auto key = rtparchive::srtp::ParseSdesCrypto(
        std::string(reinterpret_cast<const char*>(data + 1), size - 1));
    if (key.ok() && key->key_salt.size() != rtparchive::srtp::KeySaltBytes(key->suite)) {
      __builtin_trap();
    }
    return 0;
  }
  static SrtpReceiver* receiver = [] {
    std::vector<rtparchive::srtp::SrtpKey> keys = {
        {rtparchive::srtp::SrtpSuite::kAesCm128HmacSha1_80, std::vector<uint8_t>(30, 7)},
        {rtparchive::srtp::SrtpSuite::kAeadAes128Gcm, std::vector<uint8_t>(28, 9)}};
    return SrtpReceiver::Create(keys)->release();
  }();
  std::vector<uint8_t> plain;
  const auto result = receiver->Unprotect(absl::Span<const uint8_t>(data + 1, size - 1), &plain);
  if (result == SrtpReceiver::Result::kOk && plain.size() > size) __builtin_trap();
  return 0;
}
