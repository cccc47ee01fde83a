#include "timing/sender_clock.h"

#include <algorithm>
#include <cstdlib>
#include <random>

#include "gtest/gtest.h"

namespace rtparchive::timing {
namespace {

constexpr int64_t kStart = 1'800'000'000'000'000;  // receiver µs

// An hour of reports, one a second, from a sender whose clock is `offset_s`
// off and runs `ppm` fast (negative: slow), each delayed 5-80 ms on the way.
// Returns the worst error of the mapped send time against the true one.
int64_t WorstError(int64_t offset_s, double ppm, SenderClock* clock) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int64_t> delay_us(5'000, 80'000);
  int64_t worst = 0;
  for (int64_t second = 0; second < 3600; ++second) {
    const int64_t sent_us = kStart + second * 1'000'000;  // on the receiver's clock
    const int64_t sender_us =
        sent_us + offset_s * 1'000'000 + static_cast<int64_t>(second * 1'000'000 * ppm * 1e-6);
    clock->OnReport(sender_us, sent_us + delay_us(random));
    // From the first minute on (enough reports for a good minimum).
    if (second >= 60)
      worst = std::max<int64_t>(worst, std::llabs(clock->ToReceiver(sender_us) - sent_us));
  }
  return worst;
}

TEST(SenderClockTest, MapsAWrongSenderClockOntoTheReceiversWithinAFewMs) {
  for (int64_t offset_s : {int64_t{30}, int64_t{-600}, int64_t{-94'608'000}}) {
    for (double ppm : {0.0, 100.0, -100.0}) {
      SenderClock clock;
      // Off by the smallest delay (5 ms), the delay of the best report of
      // the window, and what the window lets drift add (6 ms at 100 ppm):
      // within a video frame interval, and audio and video move together.
      EXPECT_LE(WorstError(offset_s, ppm, &clock), 20'000) << offset_s << " s, " << ppm << " ppm";
    }
  }
}

TEST(SenderClockTest, TheFirstReportPlacesTheSenderAtOnce) {
  SenderClock clock;
  EXPECT_EQ(clock.ToReceiver(5), 5);  // no report: unchanged
  clock.OnReport(kStart + 30'000'000, kStart + 20'000);
  EXPECT_EQ(clock.ToReceiver(kStart + 30'000'000), kStart + 20'000);
  // A report with less delay lowers the estimate; one with more does not raise it.
  clock.OnReport(kStart + 31'000'000, kStart + 1'005'000);
  EXPECT_EQ(*clock.offset_us(), -30'000'000 + 5'000);
  clock.OnReport(kStart + 32'000'000, kStart + 2'090'000);
  EXPECT_EQ(*clock.offset_us(), -30'000'000 + 5'000);
}

TEST(SenderClockTest, AReportFloodKeepsTheFilterSmall) {
  SenderClock clock;
  // Rising offsets are all kept within the window, up to the cap.
  for (int64_t i = 0; i < 100'000; ++i) clock.OnReport(kStart, kStart + i);
  EXPECT_EQ(*clock.offset_us(), 100'000 - static_cast<int64_t>(SenderClock::kMaxEntries));
}

}  // namespace
}  // namespace rtparchive::timing
