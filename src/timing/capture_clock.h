// Maps one RTP source's timestamps to capture time (µs since the Unix epoch,
// on the sender's clock). The mapping is anchored once: to the first RTCP
// sender report (NTP time <-> RTP time) when one came before the source's
// first frame, else to that frame's arrival time. Audio and video anchored to
// sender reports from one publisher share its clock and so stay in sync.
//
// Later sender reports are counted but do not move the anchor, so capture
// times never jump. 32-bit timestamp wrap is handled by unwrapping.
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

  explicit CaptureClock(int clock_rate_hz) : clock_rate_hz_(clock_rate_hz) {}

  // `ntp_time_us`: the report's NTP time as µs since the Unix epoch.
  void OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp);

  // Capture time of a frame with this RTP timestamp that completed at
  // `arrival_time_us`.
  int64_t CaptureTimeUs(uint32_t rtp_timestamp, int64_t arrival_time_us);

  Anchor anchor() const { return anchor_; }
  int64_t sender_reports() const { return sender_reports_; }

 private:
  int clock_rate_hz_;
  Anchor anchor_ = Anchor::kNone;
  TimestampUnwrapper unwrapper_;
  int64_t anchor_rtp_ = 0;      // unwrapped RTP time of the anchor
  int64_t anchor_time_us_ = 0;  // its capture time
  int64_t sender_reports_ = 0;
};

}  // namespace rtparchive::timing

#endif  // RTPARCHIVE_TIMING_CAPTURE_CLOCK_H_
