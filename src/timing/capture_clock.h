// Maps one RTP source's timestamps to capture time (µs since the Unix epoch,
// on the sender's clock). The mapping is anchored once: to the first RTCP
// sender report (NTP time <-> RTP time) when one is known by the time the
// first frame is mapped, else to that frame's arrival time. Audio and video
// anchored to sender reports from one publisher share its clock and so stay
// in sync; the caller may hold frames back a while to give a report the
// chance to come first (see TrackRecorder).
//
// Once anchored to a sender report, each later report re-anchors the
// mapping (the sender's clocks drift apart over hours; a paused RTP clock is
// put right); an arrival-time anchor is kept. 32-bit timestamp wrap is
// handled by unwrapping. A timestamp jump that elapsed arrival time does not
// explain (a sender that restarted its RTP clock, or one whose RTP clock
// stood still while it sent nothing) is counted and bridged: time continues
// from the previous frame by the arrival time that passed, never as hours of
// gap.
//
// Not thread-safe.
#ifndef RTPARCHIVE_TIMING_CAPTURE_CLOCK_H_
#define RTPARCHIVE_TIMING_CAPTURE_CLOCK_H_

#include <cstdint>
#include <optional>

#include "base/wrap_around.h"

namespace rtparchive::timing {

class CaptureClock {
 public:
  enum class Anchor { kNone, kSenderReport, kArrival };
  // RTP time and arrival time may disagree this much before it is a jump.
  static constexpr int64_t kJumpThresholdUs = 2'000'000;

  explicit CaptureClock(int clock_rate_hz) : clock_rate_hz_(clock_rate_hz) {}

  // `ntp_time_us`: the report's NTP time as µs since the Unix epoch.
  void OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp);

  // Capture time of a frame with this RTP timestamp that completed at
  // `arrival_time_us`. Frames are mapped in arrival order.
  int64_t CaptureTimeUs(uint32_t rtp_timestamp, int64_t arrival_time_us);

  Anchor anchor() const { return anchor_; }
  int64_t sender_reports() const { return sender_reports_; }
  int64_t jumps() const { return jumps_; }

 private:
  int64_t TicksToUs(int64_t ticks) const;

  int clock_rate_hz_;
  Anchor anchor_ = Anchor::kNone;
  TimestampUnwrapper unwrapper_;
  int64_t anchor_rtp_ = 0;                     // unwrapped RTP time of the anchor
  int64_t anchor_time_us_ = 0;                 // its capture time
  std::optional<int64_t> pending_report_rtp_;  // a report before the first frame
  int64_t pending_report_time_us_ = 0;
  // The previous frame, to tell a jump from elapsed time.
  std::optional<int64_t> previous_rtp_;
  int64_t previous_arrival_us_ = 0;
  int64_t previous_capture_us_ = 0;
  int64_t sender_reports_ = 0;
  int64_t jumps_ = 0;
};

}  // namespace rtparchive::timing

#endif  // RTPARCHIVE_TIMING_CAPTURE_CLOCK_H_
