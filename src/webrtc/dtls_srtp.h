// The node's side of DTLS-SRTP (RFC 5763, 5764) for a WebRTC publisher: a
// DTLS 1.2 server (the node answers a=setup:passive) with a self-signed
// ECDSA certificate whose fingerprint goes into the SDP answer, the
// use_srtp extension (AEAD_AES_128_GCM or AES_CM_128_HMAC_SHA1_80), the
// peer's certificate checked against the fingerprint of its offer, and the
// SRTP keys exported once the handshake is done. Datagrams in and out: the
// caller owns the socket (ICE has chosen the 5-tuple first). One thread.
#ifndef RTPARCHIVE_WEBRTC_DTLS_SRTP_H_
#define RTPARCHIVE_WEBRTC_DTLS_SRTP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "srtp/srtp_receiver.h"
#include "webrtc/dtls_key_log.h"

namespace rtparchive::webrtc {

// The node's certificate: made once per node, shared by its DTLS endpoints.
class DtlsCertificate {
 public:
  static absl::StatusOr<std::shared_ptr<DtlsCertificate>> Generate();
  ~DtlsCertificate();
  // "sha-256 AB:CD:..." as an SDP a=fingerprint value writes it.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  friend class DtlsSrtpServer;
  DtlsCertificate() = default;
  void* key_ = nullptr;   // EVP_PKEY
  void* cert_ = nullptr;  // X509
  std::string fingerprint_;
};

// An SDP a=fingerprint value ("sha-256 AB:CD:...") -> the digest's bytes;
// InvalidArgument unless SHA-256 (what browsers send) with 32 bytes.
absl::StatusOr<std::vector<uint8_t>> ParseFingerprint(absl::string_view value);

// RFC 7983: a first byte of 20-63 is a DTLS record.
bool LooksLikeDtls(absl::Span<const uint8_t> datagram);

class DtlsSrtpServer {
 public:
  enum class State { kHandshaking, kConnected, kFailed };

  // `peer_fingerprint`: the offer's a=fingerprint digest (ParseFingerprint).
  // `key_log`, when given, gets the handshake's master secret (the
  // operator's SSLKEYLOGFILE, so that a capture of the call can be replayed).
  static absl::StatusOr<std::unique_ptr<DtlsSrtpServer>> Create(
      std::shared_ptr<DtlsCertificate> certificate, std::vector<uint8_t> peer_fingerprint,
      std::shared_ptr<KeyLogWriter> key_log = nullptr);
  ~DtlsSrtpServer();
  DtlsSrtpServer(const DtlsSrtpServer&) = delete;
  DtlsSrtpServer& operator=(const DtlsSrtpServer&) = delete;

  // A DTLS datagram from the peer; what to send back is appended to `out`
  // (one datagram each).
  void Receive(absl::Span<const uint8_t> datagram, std::vector<std::vector<uint8_t>>* out);
  // Retransmits the last flight when its timer ran out (call every ~100 ms
  // while handshaking).
  void OnTimer(std::vector<std::vector<uint8_t>>* out);

  State state() const { return state_; }
  // Why the handshake failed (kFailed).
  const std::string& failure() const { return failure_; }
  // kConnected: the key the publisher protects its SRTP with (the DTLS
  // client's), and the node's own (for its RTCP feedback).
  const srtp::SrtpKey& publisher_key() const { return publisher_key_; }
  const srtp::SrtpKey& node_key() const { return node_key_; }
  // kConnected: all of RFC 5764's keying material (for tests).
  const std::vector<uint8_t>& keying_material() const { return keying_material_; }

 private:
  DtlsSrtpServer() = default;
  void Advance(std::vector<std::vector<uint8_t>>* out);
  void Finish();

  std::shared_ptr<DtlsCertificate> certificate_;
  std::vector<uint8_t> peer_fingerprint_;
  std::shared_ptr<KeyLogWriter> key_log_;
  void* context_ = nullptr;  // SSL_CTX
  void* ssl_ = nullptr;      // SSL
  void* incoming_ = nullptr; // BIO (memory) the peer's datagrams go into
  // Where the outgoing BIO puts each record OpenSSL writes (set per call).
  std::vector<std::vector<uint8_t>>* outgoing_ = nullptr;
  State state_ = State::kHandshaking;
  std::string failure_;
  srtp::SrtpKey publisher_key_, node_key_;
  std::vector<uint8_t> keying_material_;
};

}  // namespace rtparchive::webrtc

#endif  // RTPARCHIVE_WEBRTC_DTLS_SRTP_H_
