// The wall clock in µs since the Unix epoch: what a live recording node
// timestamps packet arrivals and archive start times with.
#ifndef RTPARCHIVE_BASE_SYSTEM_CLOCK_H_
#define RTPARCHIVE_BASE_SYSTEM_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace rtparchive {

inline int64_t SystemTimeUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_SYSTEM_CLOCK_H_
