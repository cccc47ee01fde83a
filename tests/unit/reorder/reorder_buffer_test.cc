#include "reorder/reorder_buffer.h"

#include <algorithm>
#include <functional>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::reorder {
namespace {

using ::testing::ElementsAre;

// Feeds sequence numbers (the stored item is the sequence number itself) and
// records what comes out: "seq" or "seq(lost N)".
class Recorder {
 public:
  explicit Recorder(ReorderOptions options = {}) : buffer_(options) {}

  PushResult Push(uint16_t sequence_number, int64_t arrival_ms) {
    return buffer_.Push(sequence_number, arrival_ms * 1000, sequence_number, Emit());
  }
  void Advance(int64_t now_ms) { buffer_.Advance(now_ms * 1000, Emit()); }
  void Flush() { buffer_.Flush(Emit()); }

  std::vector<std::string> out;
  ReorderBuffer<int> buffer_;

 private:
  std::function<void(ReorderBuffer<int>::Released)> Emit() {
    return [this](ReorderBuffer<int>::Released released) {
      std::string text = std::to_string(released.item);
      if (released.lost_before > 0) text += "(lost " + std::to_string(released.lost_before) + ")";
      if (released.restart_before) text += "(restart)";
      out.push_back(text);
    };
  }
};

TEST(ReorderBufferTest, InOrderPacketsPassStraightThrough) {
  Recorder r;
  r.Push(10, 0);
  r.Push(11, 1);
  r.Push(12, 2);
  EXPECT_THAT(r.out, ElementsAre("10", "11", "12"));
  EXPECT_EQ(r.buffer_.held(), 0u);
}

TEST(ReorderBufferTest, SwappedPacketsComeOutInOrder) {
  Recorder r;
  r.Push(10, 0);
  r.Push(12, 1);
  EXPECT_THAT(r.out, ElementsAre("10"));
  r.Push(11, 2);
  EXPECT_THAT(r.out, ElementsAre("10", "11", "12"));
  EXPECT_EQ(r.buffer_.counters().lost, 0);
}

TEST(ReorderBufferTest, GapIsGivenUpAfterTheWait) {
  Recorder r(ReorderOptions{512, 100'000, 3000});
  r.Push(1, 0);
  r.Push(3, 10);
  r.Advance(109);
  EXPECT_THAT(r.out, ElementsAre("1"));
  r.Advance(110);
  EXPECT_THAT(r.out, ElementsAre("1", "3(lost 1)"));
  EXPECT_EQ(r.buffer_.counters().lost, 1);
  // The lost one arriving now is late, not reordered into the output.
  EXPECT_EQ(r.Push(2, 120), PushResult::kLate);
  EXPECT_EQ(r.buffer_.counters().late, 1);
}

TEST(ReorderBufferTest, DuplicatesAreDroppedWhetherHeldOrReleased) {
  Recorder r;
  r.Push(1, 0);
  r.Push(3, 1);
  EXPECT_EQ(r.Push(3, 2), PushResult::kDuplicate);  // held
  EXPECT_EQ(r.Push(1, 3), PushResult::kDuplicate);  // already released
  r.Push(2, 4);
  EXPECT_THAT(r.out, ElementsAre("1", "2", "3"));
  EXPECT_EQ(r.buffer_.counters().duplicates, 2);
}

TEST(ReorderBufferTest, SequenceWrapsAt65535) {
  Recorder r;
  r.Push(65534, 0);
  r.Push(0, 1);
  r.Push(65535, 2);
  r.Push(1, 3);
  EXPECT_THAT(r.out, ElementsAre("65534", "65535", "0", "1"));
}

TEST(ReorderBufferTest, CapacityBoundsWhatIsHeld) {
  Recorder r(ReorderOptions{4, 1'000'000, 3000});
  r.Push(1, 0);
  for (uint16_t seq = 3; seq <= 5; ++seq) r.Push(seq, 0);  // 2 is missing
  EXPECT_THAT(r.out, ElementsAre("1"));
  EXPECT_EQ(r.buffer_.held(), 3u);
  r.Push(6, 0);  // places 2-5 are the 4 slots: no room for 6 without giving up on 2
  EXPECT_THAT(r.out, ElementsAre("1", "3(lost 1)", "4", "5", "6"));
  EXPECT_EQ(r.buffer_.held(), 0u);
}

TEST(ReorderBufferTest, LargeJumpRestartsTheSequence) {
  Recorder r;
  r.Push(100, 0);
  r.Push(102, 1);
  r.Push(40000, 2);
  EXPECT_THAT(r.out, ElementsAre("100", "102(lost 1)", "40000(restart)"));
  EXPECT_EQ(r.buffer_.counters().restarts, 1);
}

TEST(ReorderBufferTest, FlushReleasesEverythingHeld) {
  Recorder r;
  r.Push(1, 0);
  r.Push(4, 1);
  r.Push(6, 2);
  r.Flush();
  EXPECT_THAT(r.out, ElementsAre("1", "4(lost 2)", "6(lost 1)"));
  EXPECT_EQ(r.buffer_.held(), 0u);
}

TEST(ReorderBufferTest, ShuffledWindowAcrossTheWrapComesOutSorted) {
  std::vector<uint16_t> sequence;
  for (int i = 0; i < 200; ++i) sequence.push_back(static_cast<uint16_t>(65450 + i));
  std::mt19937 random(7);
  // Shuffle within windows of 8, as a network reorders; the first packet
  // stays first, since it fixes where the output starts.
  for (size_t i = 1; i + 8 <= sequence.size(); i += 8) {
    std::shuffle(sequence.begin() + i, sequence.begin() + i + 8, random);
  }
  Recorder r;
  for (uint16_t seq : sequence) r.Push(seq, 0);
  r.Flush();
  ASSERT_EQ(r.out.size(), 200u);
  EXPECT_EQ(r.out[0], "65450");
  for (size_t i = 1; i < r.out.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(std::stoi(r.out[i - 1]) + 1), std::stoi(r.out[i]))
        << "at " << i;
  }
  EXPECT_EQ(r.buffer_.counters().lost, 0);
}

}  // namespace
}  // namespace rtparchive::reorder
