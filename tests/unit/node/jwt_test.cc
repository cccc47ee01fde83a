#include "node/jwt.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/download_link.h"

namespace rtparchive::node {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNow = 1'800'000'000;

std::string Part(const std::string& json) { return absl::WebSafeBase64Escape(json); }

// A token signed the way the official SDKs sign it (jsonwebtoken, HS256).
std::string Token(const std::string& claims, const std::string& secret = "s3cret",
                  const std::string& header = R"({"alg":"HS256","typ":"JWT"})") {
  const std::string signed_part = Part(header) + "." + Part(claims);
  return signed_part + "." + absl::WebSafeBase64Escape(HmacSha256(secret, signed_part));
}

std::string Claims(int64_t iat, int64_t exp) {
  return absl::StrCat(R"({"iss":"123456","ist":"project","iat":)", iat, R"(,"exp":)", exp,
                      R"(,"jti":"b8e0a0c2-0000-4000-8000-000000000001"})");
}

TEST(JwtTest, AcceptsWhatTheSdksSign) {
  auto claims = VerifyHs256Jwt(Token(Claims(kNow, kNow + 180)), "s3cret", kNow, 60);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->issuer, "123456");
  EXPECT_EQ(claims->issuer_type, "project");
  EXPECT_EQ(claims->expires_at_s, kNow + 180);
  // Some SDKs give iss as a number.
  const std::string numeric = R"({"iss":123456,"ist":"project","iat":1800000000,"exp":1800000180})";
  auto numeric_claims = VerifyHs256Jwt(Token(numeric), "s3cret", kNow, 60);
  ASSERT_TRUE(numeric_claims.ok()) << numeric_claims.status();
  EXPECT_EQ(numeric_claims->issuer, "123456");
}

TEST(JwtTest, RefusesAnotherSecretOrAChangedClaim) {
  EXPECT_EQ(
      VerifyHs256Jwt(Token(Claims(kNow, kNow + 180), "other"), "s3cret", kNow, 60).status().code(),
      absl::StatusCode::kPermissionDenied);
  std::string token = Token(Claims(kNow, kNow + 180));
  const std::string forged =
      Part(R"({"iss":"999","ist":"project","iat":1800000000,"exp":1800000180})");
  const size_t first = token.find('.'), second = token.rfind('.');
  token = token.substr(0, first + 1) + forged + token.substr(second);
  EXPECT_THAT(VerifyHs256Jwt(token, "s3cret", kNow, 60).status().message(), HasSubstr("signature"));
}

TEST(JwtTest, RefusesExpiredAndFutureTokensBeyondTheLeeway) {
  EXPECT_TRUE(VerifyHs256Jwt(Token(Claims(kNow - 200, kNow - 30)), "s3cret", kNow, 60).ok());
  EXPECT_THAT(
      VerifyHs256Jwt(Token(Claims(kNow - 300, kNow - 90)), "s3cret", kNow, 60).status().message(),
      HasSubstr("expired"));
  EXPECT_TRUE(VerifyHs256Jwt(Token(Claims(kNow + 30, kNow + 200)), "s3cret", kNow, 60).ok());
  EXPECT_THAT(
      VerifyHs256Jwt(Token(Claims(kNow + 90, kNow + 300)), "s3cret", kNow, 60).status().message(),
      HasSubstr("future"));
  EXPECT_THAT(VerifyHs256Jwt(Token(R"({"iss":"123456","ist":"project"})"), "s3cret", kNow, 60)
                  .status()
                  .message(),
              HasSubstr("exp"));
}

TEST(JwtTest, RefusesOtherAlgorithmsAndMalformedTokens) {
  // alg "none" with an empty signature: the classic forgery.
  const std::string none = Part(R"({"alg":"none"})") + "." + Part(Claims(kNow, kNow + 180)) + ".";
  EXPECT_THAT(VerifyHs256Jwt(none, "s3cret", kNow, 60).status().message(), HasSubstr("HS256"));
  for (const std::string& bad :
       {std::string(""), std::string("a.b"), std::string("a.b.c.d"), std::string("!!.!!.!!"),
        Part("[1]") + ".e30.AA", std::string(kMaxTokenBytes + 1, 'a')}) {
    EXPECT_FALSE(VerifyHs256Jwt(bad, "s3cret", kNow, 60).ok()) << bad.substr(0, 40);
  }
}

TEST(DownloadLinkTest, ValidUntilItExpiresAndOnlyForItsArchive) {
  const std::string query = DownloadLinkQuery("s3cret", "archive-1", kNow + 600);
  const std::string expires = absl::StrCat(kNow + 600);
  const std::string signature = query.substr(query.find("signature=") + 10);
  EXPECT_EQ(query.substr(0, query.find('&')), "expires=" + expires);
  EXPECT_TRUE(DownloadLinkValid("s3cret", "archive-1", expires, signature, kNow));
  EXPECT_FALSE(DownloadLinkValid("s3cret", "archive-1", expires, signature, kNow + 601));
  EXPECT_FALSE(DownloadLinkValid("s3cret", "archive-2", expires, signature, kNow));
  EXPECT_FALSE(
      DownloadLinkValid("s3cret", "archive-1", absl::StrCat(kNow + 6000), signature, kNow));
  EXPECT_FALSE(DownloadLinkValid("other", "archive-1", expires, signature, kNow));
  EXPECT_FALSE(DownloadLinkValid("s3cret", "archive-1", "soon", signature, kNow));
}

}  // namespace
}  // namespace rtparchive::node
