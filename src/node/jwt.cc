#include "node/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "rapidjson/document.h"

namespace rtparchive::node {
namespace {

// A JSON object from a base64url part (RFC 7515 §2: no padding).
absl::Status DecodeObject(absl::string_view part, const char* what, rapidjson::Document* object) {
  std::string json;
  if (!absl::WebSafeBase64Unescape(part, &json)) {
    return absl::InvalidArgumentError(absl::StrCat("the token's ", what, " is not base64url"));
  }
  object->Parse(json.data(), json.size());
  if (object->HasParseError() || !object->IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat("the token's ", what, " is not a JSON object"));
  }
  return absl::OkStatus();
}

// A NumericDate claim (RFC 7519 §2): seconds, possibly with a fraction.
bool ReadTime(const rapidjson::Value& claims, const char* name, int64_t* seconds) {
  auto member = claims.FindMember(name);
  if (member == claims.MemberEnd() || !member->value.IsNumber()) return false;
  const double value = member->value.GetDouble();
  if (!(value > -1e15 && value < 1e15)) return false;
  *seconds = static_cast<int64_t>(value);
  return true;
}

std::string ReadText(const rapidjson::Value& claims, const char* name) {
  auto member = claims.FindMember(name);
  if (member == claims.MemberEnd()) return "";
  if (member->value.IsString()) return member->value.GetString();
  if (member->value.IsInt64()) return absl::StrCat(member->value.GetInt64());
  return "";
}

}  // namespace

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

absl::StatusOr<JwtClaims> VerifyHs256Jwt(absl::string_view token, absl::string_view secret,
                                         int64_t now_s, int64_t leeway_s) {
  if (token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the token is over ", kMaxTokenBytes, " bytes: not one the SDKs make"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("the token is not a JWT (header.claims.signature)");
  }
  rapidjson::Document header;
  RETURN_IF_ERROR(DecodeObject(parts[0], "header", &header));
  auto alg = header.FindMember("alg");
  if (alg == header.MemberEnd() || !alg->value.IsString() ||
      std::string(alg->value.GetString()) != "HS256") {
    return absl::InvalidArgumentError("the token must be signed with HS256 and the API secret");
  }
  // The signature before the claims: nothing unsigned is read further.
  std::string signature;
  if (!absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return absl::InvalidArgumentError("the token's signature is not base64url");
  }
  const std::string expected =
      HmacSha256(secret, token.substr(0, parts[0].size() + 1 + parts[1].size()));
  if (signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return absl::PermissionDeniedError(
        "the token's signature does not match: sign it with the API secret of the API key in the "
        "path");
  }
  rapidjson::Document claims;
  RETURN_IF_ERROR(DecodeObject(parts[1], "claims", &claims));
  JwtClaims result;
  result.issuer = ReadText(claims, "iss");
  result.issuer_type = ReadText(claims, "ist");
  result.id = ReadText(claims, "jti");
  if (!ReadTime(claims, "exp", &result.expires_at_s)) {
    return absl::InvalidArgumentError("the token has no exp (expiry) claim");
  }
  if (!ReadTime(claims, "iat", &result.issued_at_s)) result.issued_at_s = now_s;
  if (result.expires_at_s + leeway_s < now_s) {
    return absl::PermissionDeniedError(absl::StrCat("the token expired ",
                                                    now_s - result.expires_at_s,
                                                    " s ago: make a new one for each request"));
  }
  if (result.issued_at_s - leeway_s > now_s) {
    return absl::PermissionDeniedError(
        absl::StrCat("the token was issued ", result.issued_at_s - now_s,
                     " s in the future: check the clock of the machine that signs it"));
  }
  return result;
}

}  // namespace rtparchive::node
