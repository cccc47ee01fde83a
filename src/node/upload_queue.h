// The node's uploads of finished archives, on threads of their own so that
// recording never waits for a store. Each job is retried by the storage
// code's policy; when the node stops, waits and transfers are cut short and
// the job is not reported: it stays pending in the node's state, and the
// next start adds it again.
#ifndef RTPARCHIVE_NODE_UPLOAD_QUEUE_H_
#define RTPARCHIVE_NODE_UPLOAD_QUEUE_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "node/storage_target.h"
#include "node/stored_zip.h"
#include "storage/store_answer.h"

namespace rtparchive::node {

struct UploadJob {
  std::string archive_id;
  StorageTarget target;
  std::string object_name;
  StoredZips zips{""};  // where the archive's ZIP is
};

class UploadQueue {
 public:
  using Done = std::function<void(const UploadJob& job, const absl::StatusOr<storage::UploadReport>& result)>;

  UploadQueue(int threads, storage::RetryPolicy retry, Done done, std::function<void(const std::string&)> log);
  ~UploadQueue() { Stop(); }
  UploadQueue(const UploadQueue&) = delete;
  UploadQueue& operator=(const UploadQueue&) = delete;

  void Add(UploadJob job);
  // Cancels what runs, drops what waits; returns once the threads are gone.
  void Stop();

 private:
  void Work();

  const storage::RetryPolicy retry_;
  const Done done_;
  const std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<UploadJob> jobs_;
  bool stopping_ = false;
  std::atomic<bool> cancelled_{false};
  std::vector<std::thread> threads_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_UPLOAD_QUEUE_H_
