#include "node/state_store.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::node {
namespace {

using ::testing::HasSubstr;

std::string Folder(const std::string& name) {
  const std::string folder = ::testing::TempDir() + "/state-store-" + name;
  std::filesystem::remove_all(folder);
  return folder;
}

TEST(StateStoreTest, WhatIsSavedIsLoadedAgain) {
  StateStore store(Folder("round-trip"));
  ASSERT_TRUE(store.Create().ok());
  ArchiveRecord record;
  record.id = "a1";
  record.api_key = 7;
  record.session_id = "s";
  record.status = ArchiveStatus::kAvailable;
  record.reason = "user initiated";
  record.size = 1234;
  ASSERT_TRUE(store.SaveRecord(record).ok());
  ASSERT_TRUE(store.SaveCallbacks({{"c1", 7, "http://127.0.0.1:9/cb", 1000}}).ok());
  std::vector<std::string> problems;
  auto records = store.LoadRecords(&problems);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].id, "a1");
  EXPECT_EQ(records[0].reason, "user initiated");
  EXPECT_EQ(records[0].size, 1234u);
  auto callbacks = store.LoadCallbacks(&problems);
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].url, "http://127.0.0.1:9/cb");
  EXPECT_TRUE(problems.empty());
  ASSERT_TRUE(store.RemoveRecord("a1").ok());
  EXPECT_TRUE(store.LoadRecords(&problems).empty());
}

TEST(StateStoreTest, DamagedFilesAreLeftOutAndSaid) {
  const std::string folder = Folder("damaged");
  StateStore store(folder);
  ASSERT_TRUE(store.Create().ok());
  std::ofstream(folder + "/callbacks.json")
      << R"([{"url": "http://x/"}, 5, {"id": "c", "apiKey": 1, "url": "http://y/"}])";
  std::ofstream(folder + "/broken.json") << "{not json";
  std::vector<std::string> problems;
  auto callbacks = store.LoadCallbacks(&problems);
  ASSERT_EQ(callbacks.size(), 1u);
  EXPECT_EQ(callbacks[0].id, "c");
  EXPECT_TRUE(store.LoadRecords(&problems).empty());
  EXPECT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems.back(), HasSubstr("broken.json"));
}

TEST(StateStoreTest, AFailedWriteSaysSoAndKeepsTheOldState) {
  const std::string folder = Folder("unwritable");
  StateStore store(folder);
  ASSERT_TRUE(store.Create().ok());
  ASSERT_TRUE(store.SaveCallbacks({{"c1", 7, "http://a/", 1}}).ok());
  // The temporary file's name taken by a folder: no one (root neither) can
  // open it for writing.
  std::filesystem::create_directory(folder + "/callbacks.json.tmp");
  absl::Status saved = store.SaveCallbacks({});
  EXPECT_THAT(saved.message(), HasSubstr("callbacks.json.tmp"));
  std::vector<std::string> problems;
  EXPECT_EQ(store.LoadCallbacks(&problems).size(), 1u);
}

TEST(ArchiveRecordTest, StatusesMoveAsTheSeedsSay) {
  using S = ArchiveStatus;
  EXPECT_TRUE(CanMove(S::kStarted, S::kPaused));
  EXPECT_TRUE(CanMove(S::kPaused, S::kStarted));
  EXPECT_TRUE(CanMove(S::kPaused, S::kStopped));
  EXPECT_TRUE(CanMove(S::kStopped, S::kAvailable));
  EXPECT_TRUE(CanMove(S::kStarted, S::kFailed));
  EXPECT_FALSE(CanMove(S::kStarted, S::kAvailable));  // not without stopping
  EXPECT_FALSE(CanMove(S::kStopped, S::kStarted));
  EXPECT_FALSE(CanMove(S::kAvailable, S::kFailed));
  EXPECT_FALSE(CanMove(S::kFailed, S::kAvailable));
  EXPECT_EQ(ParseArchiveStatus("available"), S::kAvailable);
  EXPECT_EQ(ParseArchiveStatus("Available"), std::nullopt);
}

}  // namespace
}  // namespace rtparchive::node
