// Merges the audio and video frames of one stream into capture-time order
// for the segment writer. Frames of each track arrive in their own order and
// at their own pace; a frame is passed on once the other track has a later
// frame waiting, or once it is older than the newest frame seen by more than
// `window_us` (so a stalled or absent track holds up at most that much).
//
// Not thread-safe.
#ifndef RTPARCHIVE_ARCHIVE_INTERLEAVER_H_
#define RTPARCHIVE_ARCHIVE_INTERLEAVER_H_

#include <cstdint>
#include <deque>
#include <functional>

#include "codec/encoded_frame.h"
#include "rtparchive/archive.h"

namespace rtparchive::archive {

class Interleaver {
 public:
  using Output = std::function<void(MediaKind kind, codec::EncodedFrame frame)>;

  Interleaver(int64_t window_us, Output output)
      : window_us_(window_us), output_(std::move(output)) {}

  void Push(MediaKind kind, codec::EncodedFrame frame);
  // Passes on everything held, in order.
  void Flush();

  size_t held() const { return queues_[0].size() + queues_[1].size(); }

 private:
  // Index of the queue whose head is earliest, or -1 when both are empty.
  int EarliestQueue() const;
  void PopFront(int index);

  int64_t window_us_;
  Output output_;
  std::deque<codec::EncodedFrame> queues_[2];  // by MediaKind
  int64_t newest_capture_time_us_ = INT64_MIN;
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_INTERLEAVER_H_
