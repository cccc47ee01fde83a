// Maps a publisher's wall clock (the NTP time of its RTCP sender reports) to
// the receiver's clock (packet arrival: the node's clock, or the capture's
// timestamps in replay). Publishers' clocks are never synchronised with the
// receiver or each other (30 s fast, ten minutes slow, a year wrong), so the
// sender's clock only orders its own media; the receiver's places it.
//
// Each report gives arrival - sender time = offset + network delay, and the
// delay is never negative, so the smallest value over the last `kWindowUs`
// of arrivals estimates the offset (a minimum-delay filter). The window lets
// the estimate follow a sender clock that drifts slower than the receiver's
// (it lags by window x drift: 6 ms at 100 ppm); one that drifts faster
// lowers the minimum at once. A minute of reports (one or more a second per
// SSRC) holds one with close to the path's smallest delay: with delays of
// 5-80 ms, an hour's worst error was 16 ms (tests/unit/timing).
//
// Not thread-safe.
#ifndef RTPARCHIVE_TIMING_SENDER_CLOCK_H_
#define RTPARCHIVE_TIMING_SENDER_CLOCK_H_

#include <cstdint>
#include <deque>
#include <optional>

namespace rtparchive::timing {

class SenderClock {
 public:
  static constexpr int64_t kWindowUs = 60'000'000;
  // A report flood cannot grow the filter beyond this many entries.
  static constexpr size_t kMaxEntries = 256;

  // A sender report stamped `sender_time_us` by the sender's clock that
  // arrived at `arrival_time_us`.
  void OnReport(int64_t sender_time_us, int64_t arrival_time_us);
  // `sender_time_us` on the receiver's clock (unchanged before any report).
  int64_t ToReceiver(int64_t sender_time_us) const;
  std::optional<int64_t> offset_us() const;

 private:
  struct Sample {
    int64_t arrival_us;
    int64_t offset_us;  // arrival - sender time
  };
  // Rising offsets, oldest first: the front is the window's minimum.
  std::deque<Sample> samples_;
};

}  // namespace rtparchive::timing

#endif  // RTPARCHIVE_TIMING_SENDER_CLOCK_H_
