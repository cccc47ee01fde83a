#include "node/auth.h"

#include <openssl/crypto.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/jwt.h"

namespace rtparchive::node {
namespace {

// Compares secrets in time that does not depend on where they differ.
bool SameSecret(absl::string_view given, absl::string_view secret) {
  return given.size() == secret.size() &&
         CRYPTO_memcmp(given.data(), secret.data(), secret.size()) == 0;
}

}  // namespace

std::optional<Failure> Authenticate(absl::string_view path_key, const Credentials& credentials,
                                    const std::map<int64_t, std::string>& secrets, int64_t now_s,
                                    int64_t* api_key) {
  auto secret = secrets.end();
  if (absl::SimpleAtoi(path_key, api_key)) secret = secrets.find(*api_key);
  if (credentials.opentok_auth) {
    if (secret == secrets.end()) {
      return Failure{403, absl::StrCat("API key ", path_key, " is not one of this node's")};
    }
    auto claims =
        VerifyHs256Jwt(*credentials.opentok_auth, secret->second, now_s, kTokenLeewaySeconds);
    if (!claims.ok()) {
      return Failure{403, absl::StrCat("X-OPENTOK-AUTH refused: ", claims.status().message())};
    }
    if (claims->issuer != path_key || claims->issuer_type != "project") {
      return Failure{403,
                     "X-OPENTOK-AUTH refused: its iss must be the API key in the path and "
                     "its ist \"project\""};
    }
    return std::nullopt;
  }
  const absl::string_view auth = credentials.partner_auth;
  const size_t colon = auth.find(':');
  if (secret == secrets.end() || colon == absl::string_view::npos ||
      auth.substr(0, colon) != path_key || !SameSecret(auth.substr(colon + 1), secret->second)) {
    return Failure{403,
                   "invalid credentials: send X-OPENTOK-AUTH (a JWT signed with the API secret, as "
                   "the server SDKs do) or X-TB-PARTNER-AUTH: <apiKey>:<apiSecret>"};
  }
  return std::nullopt;
}

std::optional<Failure> AuthenticateBearer(absl::string_view path_key, absl::string_view token,
                                          const std::map<int64_t, std::string>& secrets,
                                          int64_t now_s, int64_t* api_key) {
  auto secret = secrets.end();
  if (absl::SimpleAtoi(path_key, api_key)) secret = secrets.find(*api_key);
  if (secret != secrets.end() && SameSecret(token, secret->second)) return std::nullopt;
  Credentials as_jwt;
  as_jwt.opentok_auth = std::string(token);
  return Authenticate(path_key, as_jwt, secrets, now_s, api_key);
}

}  // namespace rtparchive::node
