#include "timing/capture_clock.h"

namespace rtparchive::timing {

void CaptureClock::OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp) {
  ++sender_reports_;
  if (anchor_ != Anchor::kNone) return;
  anchor_ = Anchor::kSenderReport;
  anchor_rtp_ = unwrapper_.Unwrap(rtp_timestamp);
  anchor_time_us_ = ntp_time_us;
}

int64_t CaptureClock::CaptureTimeUs(uint32_t rtp_timestamp, int64_t arrival_time_us) {
  const int64_t rtp = unwrapper_.Unwrap(rtp_timestamp);
  if (anchor_ == Anchor::kNone) {
    anchor_ = Anchor::kArrival;
    anchor_rtp_ = rtp;
    anchor_time_us_ = arrival_time_us;
  }
  const int64_t ticks = rtp - anchor_rtp_;
  // Round to the nearest µs; ticks may be negative (a frame older than the SR).
  const int64_t scaled = ticks * 1'000'000;
  const int64_t half = clock_rate_hz_ / 2;
  const int64_t offset_us =
      scaled >= 0 ? (scaled + half) / clock_rate_hz_ : -((-scaled + half) / clock_rate_hz_);
  return anchor_time_us_ + offset_us;
}

}  // namespace rtparchive::timing
