// STUN messages (RFC 8489) as an ICE-lite agent (RFC 8445 §2.5) meets them:
// binding requests from a WebRTC publisher with short-term credentials
// (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT) and ICE's PRIORITY,
// USE-CANDIDATE, ICE-CONTROLLING/CONTROLLED; and the binding responses the
// agent answers with (XOR-MAPPED-ADDRESS). Untrusted input: every length is
// checked against the datagram before it is read.
#ifndef RTPARCHIVE_WEBRTC_STUN_MESSAGE_H_
#define RTPARCHIVE_WEBRTC_STUN_MESSAGE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace rtparchive::webrtc {

inline constexpr uint16_t kBindingMethod = 0x001;

enum class StunClass { kRequest, kIndication, kSuccess, kError };

struct TransportAddress {
  bool ipv6 = false;
  std::array<uint8_t, 16> address{};  // IPv4 in the first 4 bytes
  uint16_t port = 0;
};

struct StunMessage {
  uint16_t method = 0;
  StunClass message_class = StunClass::kRequest;
  std::array<uint8_t, 12> transaction_id{};
  std::optional<std::string> username;
  std::optional<uint32_t> priority;
  bool use_candidate = false;
  std::optional<uint64_t> ice_controlling, ice_controlled;  // tie breakers
  std::optional<TransportAddress> xor_mapped_address;
  std::optional<int> error_code;
  // Where MESSAGE-INTEGRITY and FINGERPRINT start (their attribute headers),
  // for the checks below; nullopt when absent.
  std::optional<size_t> integrity_at, fingerprint_at;
};

// RFC 7983's demultiplexing: a first byte of 0-3 and the magic cookie.
bool LooksLikeStun(absl::Span<const uint8_t> datagram);

// InvalidArgument saying what is wrong: a short or misaligned message, a
// length that disagrees with the datagram, an attribute past the end, an
// attribute after FINGERPRINT, or other than FINGERPRINT after
// MESSAGE-INTEGRITY.
absl::StatusOr<StunMessage> ParseStun(absl::Span<const uint8_t> datagram);

// HMAC-SHA1 of the message up to MESSAGE-INTEGRITY, keyed by the
// short-term password (RFC 8489 §14.5), compared in constant time.
bool IntegrityMatches(absl::Span<const uint8_t> datagram, const StunMessage& message,
                      absl::string_view password);
// CRC-32 of the message up to FINGERPRINT, XOR 0x5354554e (§14.7).
bool FingerprintMatches(absl::Span<const uint8_t> datagram, const StunMessage& message);

// A binding success response to `transaction_id`: XOR-MAPPED-ADDRESS of
// `mapped` (where the request came from), MESSAGE-INTEGRITY under
// `password`, FINGERPRINT.
std::vector<uint8_t> BindingSuccess(const std::array<uint8_t, 12>& transaction_id,
                                    const TransportAddress& mapped, absl::string_view password);
// A binding error response (400 Bad Request, 401 Unauthorized, 487 Role
// Conflict) with FINGERPRINT; no integrity, since the request's failed.
std::vector<uint8_t> BindingError(const std::array<uint8_t, 12>& transaction_id, int code,
                                  absl::string_view reason);

}  // namespace rtparchive::webrtc

#endif  // RTPARCHIVE_WEBRTC_STUN_MESSAGE_H_
