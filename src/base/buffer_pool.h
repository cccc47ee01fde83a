// Byte buffers handed back after use and reused, so that the steady state
// of the packet path allocates nothing: a packet the reorder buffer keeps is
// copied into a buffer taken here, which returns once the packet is released.
// Holds at most `max_spare` buffers, so an unusual burst is not kept.
// Not thread-safe: one pool per stream, used under the archive's lock.
#ifndef RTPARCHIVE_BASE_BUFFER_POOL_H_
#define RTPARCHIVE_BASE_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace rtparchive {

class BufferPool {
 public:
  explicit BufferPool(size_t max_spare = 256) : max_spare_(max_spare) {}

  // A buffer holding a copy of `bytes`.
  std::vector<uint8_t> Copy(absl::Span<const uint8_t> bytes) {
    std::vector<uint8_t> buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.assign(bytes.begin(), bytes.end());
    return buffer;
  }

  void GiveBack(std::vector<uint8_t> buffer) {
    if (spare_.size() < max_spare_ && buffer.capacity() > 0) spare_.push_back(std::move(buffer));
  }

  size_t spare() const { return spare_.size(); }

 private:
  size_t max_spare_;
  std::vector<std::vector<uint8_t>> spare_;
};

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_BUFFER_POOL_H_
