#include "node/upload_queue.h"

#include "absl/strings/str_cat.h"

namespace rtparchive::node {

UploadQueue::UploadQueue(int threads, storage::RetryPolicy retry, Done done,
                         std::function<void(const std::string&)> log)
    : retry_(retry), done_(std::move(done)), log_(std::move(log)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

void UploadQueue::Add(UploadJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  changed_.notify_one();
}

void UploadQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    jobs_.clear();
  }
  cancelled_ = true;
  changed_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void UploadQueue::Work() {
  for (;;) {
    UploadJob job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    storage::UploadOptions options;
    options.retry = retry_;
    options.cancelled = &cancelled_;
    options.log = [this, &job](const std::string& line) { log_(absl::StrCat("archive ", job.archive_id, ": ", line)); };
    auto zip = job.zips.OpenSource(job.archive_id);
    absl::StatusOr<storage::UploadReport> result =
        zip.ok() ? UploadArchive(job.target, job.object_name, **zip, options)
                 : absl::StatusOr<storage::UploadReport>(zip.status());
    if (cancelled_) return;  // pending: the next start uploads it
    done_(job, result);
  }
}

}  // namespace rtparchive::node
