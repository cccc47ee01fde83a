#include "archive/interleaver.h"

namespace rtparchive::archive {

void Interleaver::Push(MediaKind kind, codec::EncodedFrame frame) {
  if (frame.capture_time_us > newest_capture_time_us_) {
    newest_capture_time_us_ = frame.capture_time_us;
  }
  queues_[static_cast<int>(kind)].push_back(std::move(frame));
  while (true) {
    const int earliest = EarliestQueue();
    if (earliest < 0) return;
    const bool other_has_frames = !queues_[1 - earliest].empty();
    const bool too_old =
        newest_capture_time_us_ - queues_[earliest].front().capture_time_us > window_us_;
    if (!other_has_frames && !too_old) return;
    PopFront(earliest);
  }
}

void Interleaver::Flush() {
  for (int earliest = EarliestQueue(); earliest >= 0; earliest = EarliestQueue()) {
    PopFront(earliest);
  }
}

int Interleaver::EarliestQueue() const {
  if (queues_[0].empty()) return queues_[1].empty() ? -1 : 1;
  if (queues_[1].empty()) return 0;
  return queues_[1].front().capture_time_us < queues_[0].front().capture_time_us ? 1 : 0;
}

void Interleaver::PopFront(int index) {
  codec::EncodedFrame frame = std::move(queues_[index].front());
  queues_[index].pop_front();
  output_(static_cast<MediaKind>(index), std::move(frame));
}

}  // namespace rtparchive::archive
