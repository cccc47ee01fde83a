// Reading SRTP and SRTCP with OpenSSL, for every SSRC under one master key:
// AES counter mode with HMAC-SHA1 (RFC 3711: AES_CM_128_HMAC_SHA1_80 and
// _32; AES_256_CM_HMAC_SHA1_80, RFC 6188) and AES-GCM (RFC 7714:
// AEAD_AES_128_GCM, AEAD_AES_256_GCM). Session keys are derived once (RFC
// 3711 §4.3, key derivation rate 0), the packet index estimated from the
// rollover counter (§3.3.1), a replay window of 1,024 indexes kept per SSRC
// (RTCP too), and a packet is accepted only once its tag checks (constant
// time). The same results as libsrtp2's receiver (tests/unit/srtp check
// them against libsrtp2's sender and receiver, packet for packet), at a
// fraction of its cost where libsrtp2 is built on NSS, as Debian's is: NSS
// makes PKCS#11 contexts per packet (3.8 us per 1,200-byte AES-CM packet
// here, 0.86 us with OpenSSL's AES-NI and SHA extensions).
// Not thread-safe: one receiving thread.
#ifndef RTPARCHIVE_SRTP_OPENSSL_SESSION_H_
#define RTPARCHIVE_SRTP_OPENSSL_SESSION_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "srtp/srtp_receiver.h"

namespace rtparchive::srtp {

class OpenSslSession {
 public:
  using Result = SrtpReceiver::Result;
  static constexpr size_t kMaxSsrcs = 64;  // beyond: the least recently used is forgotten
  static constexpr uint64_t kWindow = 1024;

  // InvalidArgument for a key of the wrong length.
  static absl::StatusOr<std::unique_ptr<OpenSslSession>> Create(const SrtpKey& key);
  ~OpenSslSession();
  OpenSslSession(const OpenSslSession&) = delete;
  OpenSslSession& operator=(const OpenSslSession&) = delete;

  // `packet` checked and decrypted into `plain` (the tag, and for SRTCP the
  // index, removed). Nothing is remembered of a packet that fails.
  Result UnprotectRtp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain);
  Result UnprotectRtcp(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain);

 private:
  // The keys of one direction (RTP or RTCP): the cipher with its key set
  // (AES-CTR or AES-GCM), the salt, and for AES-CM the HMAC states after
  // the auth key's inner and outer pads.
  struct Keys {
    void* cipher = nullptr;  // EVP_CIPHER_CTX, IV per packet
    std::array<uint8_t, 14> salt{};
    void* inner = nullptr;   // EVP_MD_CTX
    void* outer = nullptr;   // EVP_MD_CTX
  };
  struct Replay {
    uint64_t highest = 0;       // highest index accepted
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

  OpenSslSession() = default;
  // AES-CM: whether `tag` is HMAC-SHA1 of `authenticated` (and the ROC).
  bool TagMatches(const Keys& keys, absl::Span<const uint8_t> authenticated, const uint8_t* roc,
                  absl::Span<const uint8_t> tag) const;
  // AES-CM: `payload` decrypted in place with the IV of §4.1.1.
  bool DecryptCtr(const Keys& keys, uint32_t ssrc, uint64_t index, absl::Span<uint8_t> payload) const;
  // AES-GCM (RFC 7714): `ciphertext` checked with `aad` and `tag`, and
  // decrypted into `out` (its size).
  bool OpenGcm(const Keys& keys, const uint8_t iv[12], absl::Span<const uint8_t> aad,
               absl::Span<const uint8_t> ciphertext, absl::Span<const uint8_t> tag, uint8_t* out) const;
  Stream* Find(uint32_t ssrc);
  Stream& Insert(uint32_t ssrc);
  void AcceptRtp(Stream* stream, uint32_t ssrc, int64_t roc, uint16_t sequence, uint64_t index);
  void AcceptRtcp(Stream* stream, uint32_t ssrc, uint64_t index);

  bool gcm_ = false;
  size_t rtp_tag_bytes_ = 10;
  Keys rtp_, rtcp_;
  void* scratch_ = nullptr;  // EVP_MD_CTX for each packet's HMAC
  std::vector<Stream> streams_;
  uint64_t uses_ = 0;
};

}  // namespace rtparchive::srtp

#endif  // RTPARCHIVE_SRTP_OPENSSL_SESSION_H_
