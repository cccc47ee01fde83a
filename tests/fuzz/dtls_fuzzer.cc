// Fuzz target: DTLS records from a peer that passed ICE, into the node's
// DTLS-SRTP server while it handshakes. Input: datagrams, each preceded by
// its length (2 bytes).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "webrtc/dtls_srtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto certificate = *rtparchive::webrtc::DtlsCertificate::Generate();
  auto server = rtparchive::webrtc::DtlsSrtpServer::Create(certificate, std::vector<uint8_t>(32, 0xab));
  if (!server.ok()) __builtin_trap();
  std::vector<std::vector<uint8_t>> out;
  for (size_t at = 0; at + 2 <= size;) {
    const size_t length = std::min<size_t>(size - at - 2, data[at] << 8 | data[at + 1]);
    (*server)->Receive(absl::Span<const uint8_t>(data + at + 2, length), &out);
    at += 2 + length;
  }
  // No peer certificate can match a fingerprint of 0xab bytes.
  if ((*server)->state() == rtparchive::webrtc::DtlsSrtpServer::State::kConnected) __builtin_trap();
  return 0;
}
