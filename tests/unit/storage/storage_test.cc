#include <atomic>
#include <set>

#include "gtest/gtest.h"
#include "storage/destination.h"
#include "storage/digests.h"
#include "storage/http_call.h"
#include "storage/store_answer.h"
#include "storage/upload.h"

namespace rtparchive::storage {
namespace {

TEST(XmlTextTest, ReadsTheFirstElementAndDecodesEntities) {
  const std::string xml =
      "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b</Bucket>"
      "<UploadId>a&amp;b&lt;c&gt;&quot;&apos;&x</UploadId></InitiateMultipartUploadResult>";
  EXPECT_EQ(XmlText(xml, "UploadId"), "a&b<c>\"'&x");
  EXPECT_EQ(XmlText(xml, "Bucket"), "b");
  EXPECT_FALSE(XmlText(xml, "Key").has_value());
  EXPECT_FALSE(XmlText("<UploadId>never closed", "UploadId").has_value());
}

TEST(StoreAnswerTest, OnlyTransientFailuresAreRetried) {
  HttpAnswer answer;
  answer.status = 0;
  EXPECT_TRUE(Retryable(answer));
  for (long status : {500L, 502L, 503L, 429L, 408L}) {
    answer.status = status;
    EXPECT_TRUE(Retryable(answer)) << status;
  }
  for (long status : {400L, 401L, 403L, 404L, 409L, 412L}) {
    answer.status = status;
    EXPECT_FALSE(Retryable(answer)) << status;
  }
}

TEST(StoreAnswerTest, StatusNamesTheStoresCodeAndMessage) {
  HttpAnswer answer;
  answer.status = 403;
  answer.body = "<Error><Code>SignatureDoesNotMatch</Code><Message>check your key</Message></Error>";
  const absl::Status status = StatusOf(answer, "S3 PutObject");
  EXPECT_TRUE(absl::IsPermissionDenied(status));
  EXPECT_EQ(status.message(), "S3 PutObject: HTTP 403 SignatureDoesNotMatch: check your key");
  answer.status = 503;
  EXPECT_TRUE(absl::IsUnavailable(StatusOf(answer, "x")));
  answer.status = 404;
  EXPECT_TRUE(absl::IsNotFound(StatusOf(answer, "x")));
  answer.status = 0;
  answer.error = "Connection refused";
  EXPECT_EQ(StatusOf(answer, "x").message(), "x: no answer (Connection refused)");
  answer.status = 201;
  EXPECT_TRUE(StatusOf(answer, "x").ok());
}

TEST(BackoffTest, GrowsToTheCeilingWithJitterInItsUpperHalf) {
  RetryPolicy policy;
  policy.first_delay_ms = 100;
  policy.max_delay_ms = 1000;
  std::set<int64_t> seen;
  for (uint64_t random = 0; random < 200; ++random) {
    const int64_t first = BackoffMs(policy, 1, random * 7919);
    EXPECT_GE(first, 50);
    EXPECT_LE(first, 100);
    seen.insert(first);
    const int64_t late = BackoffMs(policy, 10, random * 7919);
    EXPECT_GE(late, 500);
    EXPECT_LE(late, 1000);
  }
  EXPECT_GT(seen.size(), 10u);  // jittered, not one value
  EXPECT_LE(BackoffMs(policy, 3, ~0ull), 400);
}

TEST(PerformWithRetriesTest, StopsAtOnceOnARefusalAndTriesAgainWhenThereIsNoAnswer) {
  RetryPolicy policy;
  policy.attempts = 3;
  policy.first_delay_ms = 1;
  int calls = 0;
  std::vector<std::string> retries;
  // Port 9 on loopback: nothing listens, so every try gets no answer.
  const HttpAnswer answer = PerformWithRetries(
      [&] {
        ++calls;
        HttpCall call;
        call.url = "http://127.0.0.1:9/";
        call.connect_timeout_s = 2;
        return call;
      },
      policy, [&](const std::string& why) { retries.push_back(why); });
  EXPECT_EQ(answer.status, 0);
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_NE(retries[0].find("try 2 of 3"), std::string::npos) << retries[0];
}

TEST(RunPartsTest, EveryPartOnceAndTheFirstFailureStopsTheRest) {
  std::atomic<int> done{0};
  std::vector<std::atomic<int>> seen(100);
  EXPECT_TRUE(RunParts(100, 4, [&](uint64_t index) {
                ++seen[index];
                ++done;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(done.load(), 100);
  for (auto& count : seen) EXPECT_EQ(count.load(), 1);
  std::atomic<int> started{0};
  const absl::Status failed = RunParts(1000, 2, [&](uint64_t index) {
    ++started;
    return index == 3 ? absl::UnavailableError("part 4") : absl::OkStatus();
  });
  EXPECT_EQ(failed.message(), "part 4");
  EXPECT_LT(started.load(), 1000);
}

TEST(DestinationTest, UrlsAndConnectionStrings) {
  auto s3 = ParseDestinationUrl("s3://archives/100001/abc/archive.zip");
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->scheme, "s3");
  EXPECT_EQ(s3->container, "archives");
  EXPECT_EQ(s3->object, "100001/abc/archive.zip");
  EXPECT_FALSE(ParseDestinationUrl("s3://bucket-only").ok());
  EXPECT_FALSE(ParseDestinationUrl("s3://bucket/").ok());
  EXPECT_FALSE(ParseDestinationUrl("gs://b/k").ok());
  EXPECT_FALSE(ParseDestinationUrl("archive.zip").ok());

  AzureDestination azure;
  ASSERT_TRUE(ApplyConnectionString("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5==;"
                                    "EndpointSuffix=core.windows.net",
                                    &azure)
                  .ok());
  EXPECT_EQ(azure.account, "acme");
  EXPECT_EQ(azure.account_key, "a2V5==");  // '=' inside a value is kept
  EXPECT_EQ(azure.endpoint, "https://acme.blob.core.windows.net");
  ASSERT_TRUE(ApplyConnectionString("AccountName=dev;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/dev", &azure).ok());
  EXPECT_EQ(azure.endpoint, "http://127.0.0.1:10000/dev");
  ASSERT_TRUE(ApplyConnectionString("UseDevelopmentStorage=true", &azure).ok());
  EXPECT_EQ(azure.account, "devstoreaccount1");
  EXPECT_FALSE(ApplyConnectionString("AccountName=x", &azure).ok());
  EXPECT_FALSE(ApplyConnectionString("garbage", &azure).ok());
}

TEST(DigestsTest, KnownValues) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  // RFC 4231 test case 2.
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(FromBase64(Base64(text)), text);
  }
  EXPECT_EQ(Base64("abc"), "YWJj");
  EXPECT_FALSE(FromBase64("abc").has_value());
  EXPECT_EQ(UriEncode("a b/c~+é", true), "a%20b/c~%2B%C3%A9");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace rtparchive::storage
