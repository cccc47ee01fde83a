// Delivers status callbacks (HTTP POST of a JSON body) on its own thread, so
// a slow or dead endpoint never delays media or API requests. Each callback
// is tried up to kAttempts times, waiting 0.5 s, 1 s, 2 s, ... in between;
// after that it is dropped and logged. The callbacks to one URL arrive in
// the order they were posted: a retry holds back the ones after it, so
// "available" never comes before "stopped". The queue is bounded: when it
// is full, the oldest callback is dropped (and logged).
#ifndef RTPARCHIVE_NODE_CALLBACK_SENDER_H_
#define RTPARCHIVE_NODE_CALLBACK_SENDER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace rtparchive::node {

class CallbackSender {
 public:
  static constexpr int kAttempts = 5;
  static constexpr size_t kMaxQueued = 10000;

  explicit CallbackSender(std::function<void(const std::string&)> log);
  // Delivers what is queued (without retrying failures), then stops.
  ~CallbackSender();
  CallbackSender(const CallbackSender&) = delete;
  CallbackSender& operator=(const CallbackSender&) = delete;

  // `url`: http://host[:port]/path or https://...
  void Post(const std::string& url, const std::string& json_body);

 private:
  struct Pending {
    std::string url, body;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
    uint64_t sequence = 0;  // the order of Post calls; queue_ keeps it
  };
  void Run();
  static bool Deliver(const std::string& url, const std::string& body, std::string* error);

  std::function<void(const std::string&)> log_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // in the order posted
  uint64_t next_sequence_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_CALLBACK_SENDER_H_
