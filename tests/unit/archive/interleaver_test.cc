#include "archive/interleaver.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::archive {
namespace {

using ::testing::ElementsAre;

codec::EncodedFrame At(int64_t capture_time_ms) {
  codec::EncodedFrame frame;
  frame.capture_time_us = capture_time_ms * 1000;
  return frame;
}

class InterleaverTest : public ::testing::Test {
 protected:
  Interleaver interleaver_{/*window_us=*/1'000'000, [this](MediaKind kind, codec::EncodedFrame f) {
                             out_.push_back(std::string(kind == MediaKind::kAudio ? "a" : "v") +
                                            std::to_string(f.capture_time_us / 1000));
                           }};
  std::vector<std::string> out_;
};

TEST_F(InterleaverTest, MergesTwoTracksByCaptureTime) {
  interleaver_.Push(MediaKind::kAudio, At(0));
  interleaver_.Push(MediaKind::kAudio, At(20));
  interleaver_.Push(MediaKind::kVideo, At(10));
  interleaver_.Push(MediaKind::kAudio, At(40));
  interleaver_.Push(MediaKind::kVideo, At(43));
  interleaver_.Flush();
  EXPECT_THAT(out_, ElementsAre("a0", "v10", "a20", "a40", "v43"));
}

TEST_F(InterleaverTest, AStalledTrackHoldsUpAtMostTheWindow) {
  for (int ms = 0; ms <= 1500; ms += 500) interleaver_.Push(MediaKind::kAudio, At(ms));
  // Only the frame more than 1 s older than the newest is passed on.
  EXPECT_THAT(out_, ElementsAre("a0"));
  EXPECT_EQ(interleaver_.held(), 3u);
}

}  // namespace
}  // namespace rtparchive::archive
