// Bytes sent of an upload whose parts go in parallel and may be sent again:
// a new try of a part takes back what its last try had counted.
#ifndef RTPARCHIVE_STORAGE_PROGRESS_H_
#define RTPARCHIVE_STORAGE_PROGRESS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace rtparchive::storage {

class Progress {
 public:
  Progress(uint64_t total, uint64_t parts, std::function<void(uint64_t sent, uint64_t total)> report)
      : total_(total), counted_(parts, 0), report_(std::move(report)) {}

  // The on_sent callback for a new try of part `index`.
  std::function<void(uint64_t)> ForTry(uint64_t index) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_ -= counted_[index];
      counted_[index] = 0;
    }
    return [this, index](uint64_t sent_in_part) {
      uint64_t sent;
      {
        std::lock_guard<std::mutex> lock(mu_);
        sent_ += sent_in_part - counted_[index];
        counted_[index] = sent_in_part;
        sent = sent_;
      }
      if (report_) report_(sent, total_);
    };
  }

 private:
  const uint64_t total_;
  std::mutex mu_;
  uint64_t sent_ = 0;
  std::vector<uint64_t> counted_;
  std::function<void(uint64_t, uint64_t)> report_;
};

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_PROGRESS_H_
