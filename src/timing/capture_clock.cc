#include "timing/capture_clock.h"

#include <cstdlib>

namespace rtparchive::timing {

void CaptureClock::OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp) {
  ++sender_reports_;
  // NTP time before the Unix epoch is no sender's wall clock (a report
  // from a broken or hostile sender): media dated by it would fall before
  // 1970, where an archive's createdAt cannot be. Arrival time serves.
  if (ntp_time_us < 0) return;
  if (anchor_ == Anchor::kSenderReport) {
    // Each report re-anchors: the sender's clock drifts from its RTP clock
    // over hours, and a sender whose RTP clock stood still while it sent
    // nothing (WebRTC audio after replaceTrack(null)) is put right again.
    anchor_rtp_ = unwrapper_.Unwrap(rtp_timestamp);
    anchor_time_us_ = ntp_time_us;
    return;
  }
  // An arrival-time anchor stays: the sender's NTP clock may be far from the
  // capture's, and switching clocks mid-track would jump.
  if (anchor_ != Anchor::kNone) return;
  // Remember the first report; the first frame anchors to it.
  if (pending_report_rtp_) return;
  pending_report_rtp_ = unwrapper_.Unwrap(rtp_timestamp);
  pending_report_time_us_ = ntp_time_us;
}

int64_t CaptureClock::TicksToUs(int64_t ticks) const {
  // Rounds to the nearest µs; ticks may be negative (a frame before the SR).
  const int64_t scaled = ticks * 1'000'000;
  const int64_t half = clock_rate_hz_ / 2;
  return scaled >= 0 ? (scaled + half) / clock_rate_hz_ : -((-scaled + half) / clock_rate_hz_);
}

int64_t CaptureClock::CaptureTimeUs(uint32_t rtp_timestamp, int64_t arrival_time_us) {
  const int64_t rtp = unwrapper_.Unwrap(rtp_timestamp);
  if (anchor_ == Anchor::kNone) {
    if (pending_report_rtp_) {
      anchor_ = Anchor::kSenderReport;
      anchor_rtp_ = *pending_report_rtp_;
      anchor_time_us_ = pending_report_time_us_;
    } else {
      anchor_ = Anchor::kArrival;
      anchor_rtp_ = rtp;
      anchor_time_us_ = arrival_time_us;
    }
  } else if (previous_rtp_) {
    const int64_t rtp_elapsed_us = TicksToUs(rtp - *previous_rtp_);
    const int64_t arrival_elapsed_us = arrival_time_us - previous_arrival_us_;
    if (std::llabs(rtp_elapsed_us - arrival_elapsed_us) > kJumpThresholdUs) {
      ++jumps_;
      anchor_rtp_ = rtp;
      anchor_time_us_ = previous_capture_us_ + (arrival_elapsed_us > 0 ? arrival_elapsed_us : 0);
    }
  }
  const int64_t capture_us = anchor_time_us_ + TicksToUs(rtp - anchor_rtp_);
  previous_rtp_ = rtp;
  previous_arrival_us_ = arrival_time_us;
  previous_capture_us_ = capture_us;
  return capture_us;
}

}  // namespace rtparchive::timing
