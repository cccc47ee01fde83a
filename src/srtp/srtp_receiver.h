// SRTP and SRTCP (RFC 3711; AES-GCM per RFC 7714): the keys of a publisher
// (SDES a=crypto lines, RFC 4568, or keys a user gives `replay`), a
// receiver that authenticates and decrypts what arrives (with OpenSSL, see
// openssl_session.h), and a sender (libsrtp2) for what the node and the
// load generator protect. A packet that does not authenticate under any key
// is refused, never decrypted or passed on.
#ifndef RTPARCHIVE_SRTP_SRTP_RECEIVER_H_
#define RTPARCHIVE_SRTP_SRTP_RECEIVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace rtparchive::srtp {

class OpenSslSession;

enum class SrtpSuite {
  kAesCm128HmacSha1_80,  // AES_CM_128_HMAC_SHA1_80: 16-byte key, 14-byte salt
  kAesCm128HmacSha1_32,  // AES_CM_128_HMAC_SHA1_32 (SRTCP keeps an 80-bit tag)
  kAesCm256HmacSha1_80,  // AES_256_CM_HMAC_SHA1_80 (RFC 6188): 32 + 14
  kAeadAes128Gcm,        // AEAD_AES_128_GCM (RFC 7714): 16 + 12
  kAeadAes256Gcm,        // AEAD_AES_256_GCM: 32 + 12
};
// The RFC 4568 / 6188 / 7714 names; InvalidArgument listing them otherwise.
absl::StatusOr<SrtpSuite> ParseSrtpSuite(absl::string_view name);
size_t KeySaltBytes(SrtpSuite suite);
const char* SuiteName(SrtpSuite suite);  // the RFC name

struct SrtpKey {
  SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80;
  std::vector<uint8_t> key_salt;  // master key then master salt
};

// The value of an SDP a=crypto attribute (RFC 4568 §9.1):
// "<tag> <suite> inline:<base64 key||salt>[|lifetime][|MKI:length] [params]".
// MKIs and session parameters are refused (no publisher we know sends them).
absl::StatusOr<SrtpKey> ParseSdesCrypto(absl::string_view value);

// A key as a user writes it on the command line: "[SUITE:]BASE64" (the
// inline key of an a=crypto line; the suite defaults to AES_CM_128_HMAC_SHA1_80).
absl::StatusOr<SrtpKey> ParseKeyArgument(absl::string_view text);

class SrtpReceiver {
 public:
  // kReplayed: the packet's index was received already or is behind the
  // replay window; libsrtp2 checks this before authenticating, so it may
  // also be another sender's packet reusing a known SSRC.
  enum class Result { kOk, kNotAuthenticated, kReplayed, kMalformed };

  static constexpr size_t kMaxKeys = 4096;
  // InvalidArgument when a key is of the wrong length for its suite. No
  // keys is allowed: AddKey gives them as they are found.
  static absl::StatusOr<std::unique_ptr<SrtpReceiver>> Create(const std::vector<SrtpKey>& keys);
  // One more key, tried after the others (a capture's DTLS handshake,
  // found as it is read); ResourceExhausted past kMaxKeys.
  absl::Status AddKey(const SrtpKey& key);
  ~SrtpReceiver();
  SrtpReceiver(const SrtpReceiver&) = delete;
  SrtpReceiver& operator=(const SrtpReceiver&) = delete;

  // Authenticates and decrypts one SRTP or SRTCP packet (told apart as
  // RFC 5761 does) into `plain`, whose capacity is reused. Tries the key
  // that last authenticated the packet's SSRC first, then the others.
  Result Unprotect(absl::Span<const uint8_t> packet, std::vector<uint8_t>* plain);

 private:
  SrtpReceiver() = default;
  struct Session;
  static Result UnprotectWith(Session& session, bool rtcp, absl::Span<const uint8_t> packet,
                              std::vector<uint8_t>* plain);
  // One per key, read with OpenSSL (openssl_session.h).
  struct Session {
    std::unique_ptr<OpenSslSession> openssl;
  };
  std::vector<Session> sessions_;
  std::vector<std::pair<uint32_t, size_t>> key_of_ssrc_;  // bounded: last 64 SSRCs
};

// SRTP and SRTCP sent under one key: the node's own RTCP feedback to a
// DTLS-SRTP publisher (under the key it exported for itself), and the load
// generator's publishers.
class SrtpSender {
 public:
  static absl::StatusOr<std::unique_ptr<SrtpSender>> Create(const SrtpKey& key);
  ~SrtpSender();
  SrtpSender(const SrtpSender&) = delete;
  SrtpSender& operator=(const SrtpSender&) = delete;

  // `rtcp` protected (encrypted, index and tag appended); empty on failure.
  std::vector<uint8_t> ProtectRtcp(absl::Span<const uint8_t> rtcp);
  // `rtp` protected (payload encrypted, tag appended); empty on failure.
  std::vector<uint8_t> ProtectRtp(absl::Span<const uint8_t> rtp);

 private:
  SrtpSender() = default;
  void* session_ = nullptr;  // srtp_t
};

}  // namespace rtparchive::srtp

#endif  // RTPARCHIVE_SRTP_SRTP_RECEIVER_H_
