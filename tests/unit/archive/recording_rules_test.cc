#include "archive/recording_rules.h"

#include "gtest/gtest.h"

namespace rtparchive::archive {
namespace {

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
enum Publishing : bool { kSilent = false, kPublishing = true };

TEST(RecordingRulesTest, CountsRecordedTimeOnlyWhileStarted) {
  RecordingRules rules{ArchiveLimits()};
  rules.Update(0, kPublishing);
  rules.Update(10 * kMinute, kPublishing);
  rules.Update(20 * kMinute, kSilent);  // the 10 min up to now counted, then paused
  rules.Update(50 * kMinute, kPublishing);
  rules.Update(55 * kMinute, kPublishing);
  EXPECT_EQ(rules.recorded_us(), 25 * kMinute);
  EXPECT_EQ(rules.status(), ArchiveStatus::kStarted);
}

TEST(RecordingRulesTest, StopsAfterFourHoursRecorded) {
  RecordingRules rules{ArchiveLimits()};
  rules.Update(0, kPublishing);
  rules.Update(4 * kHour - 1, kPublishing);
  EXPECT_FALSE(rules.stop_reason().has_value());
  rules.Update(4 * kHour, kPublishing);
  ASSERT_TRUE(rules.stop_reason().has_value());
  EXPECT_EQ(*rules.stop_reason(), "maximum recorded time of 4 h reached");
}

TEST(RecordingRulesTest, StopsTwelveHoursAfterTheFirstPacket) {
  ArchiveLimits limits;
  limits.max_paused_us = 2 * kHour;  // so the long pauses below do not stop it first
  RecordingRules rules{limits};
  // 10 minutes publishing in every 100: 1.2 h recorded in 12 h.
  for (int64_t t = 0; t < 12 * kHour; t += 10 * kMinute) {
    rules.Update(t, t % (100 * kMinute) < 10 * kMinute ? kPublishing : kSilent);
  }
  EXPECT_FALSE(rules.stop_reason().has_value());
  rules.Update(12 * kHour, kPublishing);
  ASSERT_TRUE(rules.stop_reason().has_value());
  EXPECT_EQ(*rules.stop_reason(), "maximum archive time of 12 h reached");
}

TEST(RecordingRulesTest, StopsAfterAnHourPaused) {
  RecordingRules rules{ArchiveLimits()};
  rules.Update(0, kPublishing);
  auto changes = rules.Update(kMinute, kSilent);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].status, ArchiveStatus::kPaused);
  rules.Update(kMinute + kHour - 1, kSilent);
  EXPECT_FALSE(rules.stop_reason().has_value());
  rules.Update(kMinute + kHour, kSilent);
  ASSERT_TRUE(rules.stop_reason().has_value());
  EXPECT_EQ(*rules.stop_reason(), "no stream published for 1 h");
}

}  // namespace
}  // namespace rtparchive::archive
