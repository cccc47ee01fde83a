// Reading SRTP and SRTCP protected with AES counter mode and HMAC-SHA1
// (RFC 3711: AES_CM_128_HMAC_SHA1_80 and _32; AES_256_CM_HMAC_SHA1_80, RFC
// 6188) with OpenSSL, for every SSRC under one master key: session keys
// derived once (§4.3, key derivation rate 0), the packet index estimated
// from the rollover counter (§3.3.1), the tag checked before anything else
// (constant time), a replay window of 1,024 indexes per SSRC (RTCP too),
// then the payload decrypted. The same results as libsrtp2's receiver
// (tests/unit/srtp check it against libsrtp2's sender), at a fraction of
// its cost where libsrtp2 is built on NSS, as Debian's is: NSS makes
// PKCS#11 contexts per packet (3.8 us per 1,200-byte packet here, against
// about 0.7 us with OpenSSL's AES-NI and SHA extensions).
// Not thread-safe: one receiving thread.
#ifndef RTPARCHIVE_SRTP_AES_CM_SESSION_H_
#define RTPARCHIVE_SRTP_AES_CM_SESSION_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "srtp/srtp_receiver.h"

namespace rtparchive::srtp {

class AesCmSession {
 public:
  using Result = SrtpReceiver::Result;
  static constexpr size_t kMaxSsrcs = 64;  // beyond: the least recently used is forgotten
  static constexpr uint64_t kWindow = 1024;

  static bool Handles(SrtpSuite suite);
  // InvalidArgument for another suite or a key of the wrong length.
  static absl::StatusOr<std::unique_ptr<AesCmSession>> Create(const SrtpKey& key);
  ~AesCmSession();
  AesCmSession(const AesCmSession&) = delete;
  AesCmSession& operator=(const AesCmSession&) = delete;

  // `packet` checked and decrypted into `plain` (the tag, and for SRTCP the
  // index, removed). Nothing is remembered of a packet that fails.
  Result UnprotectRtp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain);
  Result UnprotectRtcp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain);

 private:
  // The keys of one direction (RTP or RTCP): AES key schedule, salt, HMAC
  // states after the key's inner and outer pads.
  struct Keys {
    void* cipher = nullptr;  // EVP_CIPHER_CTX, key set, IV per packet
    std::array<uint8_t, 14> salt{};
    void* inner = nullptr;   // EVP_MD_CTX
    void* outer = nullptr;   // EVP_MD_CTX
  };
  struct Replay {
    uint64_t highest = 0;  // highest index accepted
    std::bitset<kWindow> seen;  // bit i: index highest - i was accepted
    bool Seen(uint64_t index) const;
    void Accept(uint64_t index);
  };
  struct Stream {
    uint32_t ssrc = 0;
    bool has_rtp = false, has_rtcp = false;
    uint32_t roc = 0;
    uint16_t highest_sequence = 0;
    Replay rtp, rtcp;
    uint64_t last_use = 0;
  };

  AesCmSession() = default;
  bool Tag(const Keys& keys, absl::Span<const uint8_t> authenticated, const uint8_t* roc,
           uint8_t out[20]) const;
  bool Decrypt(const Keys& keys, uint32_t ssrc, uint64_t index, absl::Span<uint8_t> payload) const;
  Stream* Find(uint32_t ssrc);
  Stream& Insert(uint32_t ssrc);

  size_t rtp_tag_bytes_ = 10;
  Keys rtp_, rtcp_;
  void* scratch_ = nullptr;  // EVP_MD_CTX for each packet's HMAC
  std::vector<Stream> streams_;
  uint64_t uses_ = 0;
};

}  // namespace rtparchive::srtp

#endif  // RTPARCHIVE_SRTP_AES_CM_SESSION_H_
