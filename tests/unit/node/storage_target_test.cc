#include "node/storage_target.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "node/sealed_text.h"
#include "node/state_store.h"

namespace rtparchive::node {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kS3[] =
    R"({"type": "s3", "bucket": "archives", "region": "eu-west-1", "accessKeyId": "AKID",
        "secretAccessKey": "very-secret", "sessionToken": "token-secret", "sse": "AES256"})";

TEST(StorageTargetTest, ParsesBothKindsAndNamesWhatIsWrong) {
  auto s3 = ParseStorageTargetJson(kS3);
  ASSERT_TRUE(s3.ok()) << s3.status();
  EXPECT_EQ(s3->s3.bucket, "archives");
  EXPECT_EQ(s3->s3.region, "eu-west-1");
  EXPECT_TRUE(s3->fallback_to_node);
  auto azure = ParseStorageTargetJson(
      R"({"type": "azure", "accountName": "acme", "accountKey": "a2V5", "container": "c", "fallback": "none"})");
  ASSERT_TRUE(azure.ok()) << azure.status();
  EXPECT_FALSE(azure->fallback_to_node);
  for (const char* bad : {R"({"type": "gcs"})", R"({"type": "s3", "bucket": "b"})",
                          R"({"type": "s3", "bucket": "b", "accessKeyId": "a", "secretAccessKey": 5})",
                          R"({"type": "s3", "bucket": "b", "accessKeyId": "a", "secretAccessKey": "s", "sse": "KMS"})",
                          R"({"type": "azure", "accountName": "a", "accountKey": "k", "container": "c",
                              "endpoint": "ftp://x"})",
                          R"({"type": "s3", "bucket": "b", "accessKeyId": "a", "secretAccessKey": "s",
                              "fallback": "sometimes"})",
                          "[1]", "not json"}) {
    EXPECT_FALSE(ParseStorageTargetJson(bad).ok()) << bad;
  }
  EXPECT_THAT(std::string(ParseStorageTargetJson(R"({"type": "s3", "bucket": "b"})").status().message()),
              HasSubstr("accessKeyId"));
}

TEST(StorageTargetTest, TheApiFormHasNoSecretAndTheFullFormRoundTrips) {
  auto target = ParseStorageTargetJson(kS3);
  ASSERT_TRUE(target.ok());
  const std::string shown = StorageTargetJson(*target);
  EXPECT_THAT(shown, Not(HasSubstr("very-secret")));
  EXPECT_THAT(shown, Not(HasSubstr("token-secret")));
  EXPECT_THAT(shown, HasSubstr("\"accessKeyId\":\"AKID\""));
  auto again = ParseStorageTargetJson(StorageTargetSecretJson(*target));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->s3.secret_access_key, "very-secret");
  EXPECT_EQ(again->s3.session_token, "token-secret");
  EXPECT_EQ(ObjectName(123456, "abc"), "123456/abc/archive.zip");
  EXPECT_EQ(Describe(*again, "k"), "s3://archives/k");
}

TEST(SealedTextTest, OpensOnlyWithTheSameSecretAndUnchanged) {
  const std::string sealed = Seal("api-secret", "{\"secretAccessKey\": \"very-secret\"}");
  EXPECT_THAT(sealed, Not(HasSubstr("very-secret")));
  EXPECT_NE(sealed, Seal("api-secret", "{\"secretAccessKey\": \"very-secret\"}"));  // fresh nonce
  auto opened = Unseal("api-secret", sealed);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "{\"secretAccessKey\": \"very-secret\"}");
  EXPECT_FALSE(Unseal("another-secret", sealed).ok());
  std::string changed = sealed;
  changed[20] = changed[20] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Unseal("api-secret", changed).ok());
  EXPECT_FALSE(Unseal("api-secret", "short").ok());
}

TEST(StateStoreTest, StorageTargetsAreKeptPerApiKeyAndRemoved) {
  const std::string folder = ::testing::TempDir() + "/storage-target-state";
  std::filesystem::remove_all(folder);
  StateStore store(folder);
  ASSERT_TRUE(store.Create().ok());
  ASSERT_TRUE(store.SaveStorageTarget(123, "sealed-a").ok());
  ASSERT_TRUE(store.SaveStorageTarget(456, "sealed-b").ok());
  std::vector<std::string> problems;
  EXPECT_EQ(store.LoadStorageTargets(&problems), (std::map<int64_t, std::string>{{123, "sealed-a"}, {456, "sealed-b"}}));
  EXPECT_TRUE(store.LoadRecords(&problems).empty());  // not taken for archives
  ASSERT_TRUE(store.RemoveStorageTarget(123).ok());
  EXPECT_EQ(store.LoadStorageTargets(&problems).size(), 1u);
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace rtparchive::node
