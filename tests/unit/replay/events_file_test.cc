#include "replay/events_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::replay {
namespace {

using ::testing::HasSubstr;

TEST(EventsFileTest, ReadsAddsAndRemovesWithEitherTime) {
  auto events = ParseEventsFile(R"({"events": [
      {"action": "add", "streamId": "a", "offsetMs": 0, "hasVideo": false},
      {"action": "remove", "streamId": "a", "timeMs": 1700000001500}]})");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].action, StreamEvent::Action::kAdd);
  EXPECT_EQ((*events)[0].has_video, false);
  EXPECT_FALSE((*events)[0].has_audio.has_value());
  EXPECT_EQ((*events)[0].TimeUs(1'700'000'000'000'000), 1'700'000'000'000'000);
  EXPECT_EQ((*events)[1].TimeUs(0), 1'700'000'001'500'000);
}

TEST(EventsFileTest, ErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "\"events\" array"},
      {R"({"events": [{"action": "pause", "streamId": "a", "offsetMs": 0}]})", "events[0].action"},
      {R"({"events": [{"action": "add", "offsetMs": 0}]})", "events[0].streamId"},
      {R"({"events": [{"action": "add", "streamId": "a"}]})", "exactly one of"},
      {R"({"events": [{"action": "add", "streamId": "a", "offsetMs": -5}]})", "non-negative"},
  };
  for (const auto& [json, message] : cases) {
    auto events = ParseEventsFile(json);
    ASSERT_FALSE(events.ok()) << json;
    EXPECT_THAT(std::string(events.status().message()), HasSubstr(message)) << json;
  }
}

}  // namespace
}  // namespace rtparchive::replay
