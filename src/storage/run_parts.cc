#include <mutex>
#include <thread>
#include <vector>

#include "storage/upload.h"

namespace rtparchive::storage {

absl::Status RunParts(uint64_t count, int parallel,
                      const std::function<absl::Status(uint64_t index)>& upload_part) {
  std::mutex mu;
  uint64_t next = 0;
  absl::Status first_failure;
  auto worker = [&] {
    for (;;) {
      uint64_t index;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= count || !first_failure.ok()) return;
        index = next++;
      }
      absl::Status status = upload_part(index);
      if (!status.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_failure.ok()) first_failure = status;
      }
    }
  };
  std::vector<std::thread> threads;
  const uint64_t thread_count = std::min<uint64_t>(count, static_cast<uint64_t>(std::max(1, parallel)));
  for (uint64_t i = 0; i < thread_count; ++i) threads.emplace_back(worker);
  for (std::thread& thread : threads) thread.join();
  return first_failure;
}

}  // namespace rtparchive::storage
