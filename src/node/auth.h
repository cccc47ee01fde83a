// Who may call the node's API for an API key: a request proves it holds the
// key's secret with X-OPENTOK-AUTH, an HS256 JWT as the official server SDKs
// sign it (iss: the API key, ist: "project"), or with X-TB-PARTNER-AUTH
// <apiKey>:<apiSecret> as the platform's documents show. No httplib here, so
// it is tested without sockets.
#ifndef RTPARCHIVE_NODE_AUTH_H_
#define RTPARCHIVE_NODE_AUTH_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "node/api_request.h"

namespace rtparchive::node {

// How far the clock of the machine that signs a JWT may be from the node's.
inline constexpr int64_t kTokenLeewaySeconds = 60;

struct Credentials {
  std::optional<std::string> opentok_auth;  // X-OPENTOK-AUTH, when sent
  std::string partner_auth;                 // X-TB-PARTNER-AUTH ("" when not sent)
};

// Sets `api_key` from the path's `path_key` and answers nothing when the
// credentials hold that key's secret (`secrets`: API key -> secret) at
// `now_s`; else the 403 that says what to send.
std::optional<Failure> Authenticate(absl::string_view path_key, const Credentials& credentials,
                                    const std::map<int64_t, std::string>& secrets, int64_t now_s,
                                    int64_t* api_key);

// WHIP's Authorization: Bearer <token>: the key's secret itself, or a JWT
// as X-OPENTOK-AUTH carries one. The same answers as Authenticate.
std::optional<Failure> AuthenticateBearer(absl::string_view path_key, absl::string_view token,
                                          const std::map<int64_t, std::string>& secrets,
                                          int64_t now_s, int64_t* api_key);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_AUTH_H_
