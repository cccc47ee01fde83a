#include "timing/capture_clock.h"

#include "gtest/gtest.h"

namespace rtparchive::timing {
namespace {

TEST(CaptureClockTest, AnchorsToTheFirstSenderReport) {
  CaptureClock clock(90000);
  clock.OnSenderReport(/*ntp_time_us=*/1'000'000'000, /*rtp_timestamp=*/9000);
  // 90,000 ticks after the report: one second later, whenever it arrived.
  EXPECT_EQ(clock.CaptureTimeUs(99000, /*arrival_time_us=*/5), 1'001'000'000);
  // A frame sampled before the report maps before it.
  EXPECT_EQ(clock.CaptureTimeUs(0, 7), 999'900'000);
  EXPECT_EQ(clock.anchor(), CaptureClock::Anchor::kSenderReport);
}

TEST(CaptureClockTest, UnexplainedJumpIsBridgedByArrivalTime) {
  CaptureClock clock(90000);
  EXPECT_EQ(clock.CaptureTimeUs(0, 1'000'000), 1'000'000);
  EXPECT_EQ(clock.CaptureTimeUs(3000, 1'033'333), 1'033'333);
  // The sender restarts its RTP clock: +10 hours of RTP time in 33 ms.
  EXPECT_EQ(clock.CaptureTimeUs(3000 + 90000u * 36000, 1'066'666), 1'066'666);
  EXPECT_EQ(clock.CaptureTimeUs(6000 + 90000u * 36000, 1'099'999), 1'099'999);  // 1/30 s on
  EXPECT_EQ(clock.jumps(), 1);
}

TEST(CaptureClockTest, ALongMuteIsNotAJump) {
  CaptureClock clock(48000);
  clock.CaptureTimeUs(0, 0);
  // 60 s without packets; RTP time moved on with real time.
  EXPECT_EQ(clock.CaptureTimeUs(48000 * 60, 60'010'000), 60'000'000);
  EXPECT_EQ(clock.jumps(), 0);
}

TEST(CaptureClockTest, OfReportsBeforeTheFirstFrameTheFirstAnchors) {
  CaptureClock clock(48000);
  clock.OnSenderReport(2'000'000, 0);
  clock.OnSenderReport(9'000'000, 0);
  EXPECT_EQ(clock.CaptureTimeUs(48000, 0), 3'000'000);
  EXPECT_EQ(clock.sender_reports(), 2);
}

TEST(CaptureClockTest, LaterReportsReanchorAfterThePublisherPausedItsRtpClock) {
  // WebRTC audio after replaceTrack(null): nothing is sent for 4 s and the
  // RTP clock stands still, so the next packet's RTP time is 20 ms on.
  CaptureClock clock(48000);
  clock.OnSenderReport(10'000'000, 0);
  EXPECT_EQ(clock.CaptureTimeUs(960, 100), 10'020'000);
  // Elapsed arrival time says 4 s: bridged (over the jump threshold).
  EXPECT_EQ(clock.CaptureTimeUs(1920, 4'000'100), 14'020'000);
  // The sender's next report maps its RTP time to its real clock again.
  clock.OnSenderReport(14'100'000, 4800);
  EXPECT_EQ(clock.CaptureTimeUs(5760, 4'120'100), 14'120'000);
  EXPECT_EQ(clock.jumps(), 1);
}

TEST(CaptureClockTest, AReportAfterAnArrivalAnchorDoesNotSwitchClocks) {
  CaptureClock clock(90000);
  EXPECT_EQ(clock.CaptureTimeUs(0, 50'000'000), 50'000'000);
  // The sender's NTP clock is an hour off the capture's.
  clock.OnSenderReport(3'650'000'000, 90000);
  EXPECT_EQ(clock.CaptureTimeUs(90000, 51'000'000), 51'000'000);
  EXPECT_EQ(clock.anchor(), CaptureClock::Anchor::kArrival);
}

TEST(CaptureClockTest, AReportDatedBeforeTheUnixEpochIsNotUsed) {
  CaptureClock clock(90000);
  clock.OnSenderReport(/*ntp_time_us=*/-2'208'988'800'000'000, /*rtp_timestamp=*/0);  // 1900
  EXPECT_EQ(clock.CaptureTimeUs(1000, 50'000'000), 50'000'000);
  EXPECT_EQ(clock.anchor(), CaptureClock::Anchor::kArrival);
}

TEST(CaptureClockTest, WithoutReportsUsesTheFirstFramesArrival) {
  CaptureClock clock(90000);
  EXPECT_EQ(clock.CaptureTimeUs(1000, 50'000'000), 50'000'000);
  EXPECT_EQ(clock.CaptureTimeUs(1000 + 4500, 50'080'000), 50'050'000);  // arrival jitter ignored
  EXPECT_EQ(clock.anchor(), CaptureClock::Anchor::kArrival);
}

TEST(CaptureClockTest, TimestampWrapKeepsTimeMovingForward) {
  CaptureClock clock(90000);
  clock.OnSenderReport(10'000'000, 0xffffffff - 8999);      // 0.1 s before the wrap
  EXPECT_EQ(clock.CaptureTimeUs(8999 + 1, 0), 10'200'000);  // 0.1 s after it
}

}  // namespace
}  // namespace rtparchive::timing
