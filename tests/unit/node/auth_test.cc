// The API's request side without sockets: who a request is, and what is
// answered for a body that is not what a route takes.
#include "node/auth.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/api_request.h"
#include "node/jwt.h"

namespace rtparchive::node {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'800'000'000;
const std::map<int64_t, std::string> kSecrets = {{123456, "s3cret"}, {777, "other"}};

std::string SdkToken(const std::string& iss, const std::string& secret, int64_t exp = kNow + 180) {
  const std::string signed_part =
      absl::WebSafeBase64Escape(R"({"alg":"HS256","typ":"JWT"})") + "." +
      absl::WebSafeBase64Escape(absl::StrCat(R"({"iss":")", iss, R"(","ist":"project","iat":)",
                                             kNow, R"(,"exp":)", exp, "}"));
  return signed_part + "." + absl::WebSafeBase64Escape(HmacSha256(secret, signed_part));
}

std::optional<Failure> As(const std::string& path_key, Credentials credentials) {
  int64_t api_key = 0;
  return Authenticate(path_key, credentials, kSecrets, kNow, &api_key);
}

TEST(AuthTest, TheSdksTokenOrThePartnerHeaderForTheKeyInThePath) {
  int64_t api_key = 0;
  EXPECT_EQ(Authenticate("123456", {SdkToken("123456", "s3cret"), ""}, kSecrets, kNow, &api_key),
            std::nullopt);
  EXPECT_EQ(api_key, 123456);
  EXPECT_EQ(As("123456", {std::nullopt, "123456:s3cret"}), std::nullopt);
}

TEST(AuthTest, WhipBearerIsTheSecretOrTheSdksToken) {
  int64_t api_key = 0;
  EXPECT_EQ(AuthenticateBearer("123456", "s3cret", kSecrets, kNow, &api_key), std::nullopt);
  EXPECT_EQ(api_key, 123456);
  EXPECT_EQ(AuthenticateBearer("123456", SdkToken("123456", "s3cret"), kSecrets, kNow, &api_key),
            std::nullopt);
  EXPECT_EQ(AuthenticateBearer("123456", "other", kSecrets, kNow, &api_key)->code, 403);
  EXPECT_EQ(AuthenticateBearer("777", "s3cret", kSecrets, kNow, &api_key)->code, 403);
  EXPECT_EQ(AuthenticateBearer("123456", SdkToken("123456", "other"), kSecrets, kNow, &api_key)->code,
            403);
}

TEST(AuthTest, AnythingElseIs403WithWhatToSend) {
  // Another key's token, a token for another key, an expired one.
  EXPECT_EQ(As("123456", {SdkToken("123456", "other"), ""})->code, 403);
  EXPECT_THAT(As("123456", {SdkToken("777", "s3cret"), ""})->message, HasSubstr("iss"));
  EXPECT_THAT(As("123456", {SdkToken("123456", "s3cret", kNow - 600), ""})->message,
              HasSubstr("expired"));
  // The partner header with a wrong secret, another key, or nothing at all.
  EXPECT_EQ(As("123456", {std::nullopt, "123456:s3cre"})->code, 403);
  EXPECT_EQ(As("123456", {std::nullopt, "777:other"})->code, 403);
  EXPECT_THAT(As("123456", {})->message, HasSubstr("X-OPENTOK-AUTH"));
  EXPECT_THAT(As("999", {SdkToken("999", "s3cret"), ""})->message, HasSubstr("not one of"));
}

TEST(ApiRequestTest, BodiesAndTheirMembers) {
  rapidjson::Document body;
  EXPECT_EQ(ParseBody("[1]", &body)->code, 400);
  EXPECT_EQ(ParseBody("{not json", &body)->code, 400);
  ASSERT_EQ(ParseBody(R"({"name": 5, "hasAudio": "yes", "sessionId": "s"})", &body), std::nullopt);
  std::string text;
  bool flag = true;
  EXPECT_THAT(OptionalString(body, "name", &text)->message, HasSubstr("\"name\" must be a string"));
  EXPECT_THAT(OptionalBool(body, "hasAudio", &flag)->message, HasSubstr("true or false"));
  EXPECT_EQ(OptionalString(body, "sessionId", &text), std::nullopt);
  EXPECT_EQ(text, "s");
  EXPECT_EQ(OptionalString(body, "absent", &text), std::nullopt);
  EXPECT_EQ(ErrorJson(409, "a \"quoted\" word"), R"({"code":409,"message":"a \"quoted\" word"})");
}

}  // namespace
}  // namespace rtparchive::node
