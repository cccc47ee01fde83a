// HS256 JSON Web Tokens (RFC 7519 in the compact JWS form of RFC 7515), as
// the official server SDKs send them in X-OPENTOK-AUTH: a header naming
// HS256, claims {iss: the API key, ist: "project", iat, exp, jti}, and an
// HMAC-SHA256 of the first two parts keyed with the API secret.
//
// Verifying reads untrusted bytes: every failure is an error that says
// what is wrong, never a crash; tokens longer than kMaxTokenBytes are
// refused before anything is decoded.
#ifndef RTPARCHIVE_NODE_JWT_H_
#define RTPARCHIVE_NODE_JWT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rtparchive::node {

inline constexpr size_t kMaxTokenBytes = 4096;

struct JwtClaims {
  std::string issuer;        // iss (a number is given as its decimal text)
  std::string issuer_type;   // ist
  int64_t issued_at_s = 0;   // iat
  int64_t expires_at_s = 0;  // exp
  std::string id;            // jti, when given
};

// The token's claims when its signature is `secret`'s and it is valid at
// `now_s` (Unix seconds), with `leeway_s` for the clocks of sender and node:
// PermissionDenied for a bad signature, an expired token or one issued in
// the future; InvalidArgument for a token that is not an HS256 JWT.
absl::StatusOr<JwtClaims> VerifyHs256Jwt(absl::string_view token, absl::string_view secret,
                                         int64_t now_s, int64_t leeway_s);

// HMAC-SHA256 of `data` keyed with `key` (32 bytes).
std::string HmacSha256(absl::string_view key, absl::string_view data);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_JWT_H_
