#include "timing/sender_clock.h"

namespace rtparchive::timing {

void SenderClock::OnReport(int64_t sender_time_us, int64_t arrival_time_us) {
  const int64_t offset_us = arrival_time_us - sender_time_us;
  // A later sample with a smaller offset makes the ones before it useless.
  while (!samples_.empty() && samples_.back().offset_us >= offset_us) samples_.pop_back();
  samples_.push_back({arrival_time_us, offset_us});
  while (samples_.size() > kMaxEntries ||
         samples_.front().arrival_us < arrival_time_us - kWindowUs) {
    samples_.pop_front();
  }
}

std::optional<int64_t> SenderClock::offset_us() const {
  if (samples_.empty()) return std::nullopt;
  return samples_.front().offset_us;
}

int64_t SenderClock::ToReceiver(int64_t sender_time_us) const {
  return sender_time_us + offset_us().value_or(0);
}

}  // namespace rtparchive::timing
