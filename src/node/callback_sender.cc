#include "node/callback_sender.h"

#include <httplib.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace rtparchive::node {

CallbackSender::CallbackSender(std::function<void(const std::string&)> log)
    : log_(std::move(log)), thread_([this] { Run(); }) {}

CallbackSender::~CallbackSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CallbackSender::Post(const std::string& url, const std::string& json_body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      log_(absl::StrCat("callback queue full: dropped one for ", queue_.front().url));
      queue_.pop_front();
    }
    queue_.push_back({url, json_body, 0, std::chrono::steady_clock::now(), next_sequence_++});
  }
  wake_.notify_all();
}

bool CallbackSender::Deliver(const std::string& url, const std::string& body, std::string* error) {
  const size_t scheme_end = url.find("://");
  const size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (scheme_end == std::string::npos) {
    *error = "not an http:// or https:// URL";
    return false;
  }
  httplib::Client client(url.substr(0, path_start));
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  client.set_write_timeout(5);
  auto response = client.Post(path_start == std::string::npos ? "/" : url.substr(path_start), body,
                              "application/json");
  if (!response) {
    *error = httplib::to_string(response.error());
    return false;
  }
  if (response->status < 200 || response->status >= 300) {
    *error = absl::StrCat("HTTP ", response->status);
    return false;
  }
  return true;
}

void CallbackSender::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    // Of the first callback queued for each URL (the later ones wait for
    // it), the one due first; retries wait their turn, new ones are due now.
    auto next = queue_.end();
    std::set<std::string_view> urls_seen;
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (!urls_seen.insert(it->url).second) continue;
      if (next == queue_.end() || it->due < next->due) next = it;
    }
    if (!stopping_ && next->due > std::chrono::steady_clock::now()) {
      wake_.wait_until(lock, next->due);
      continue;
    }
    Pending pending = std::move(*next);
    queue_.erase(next);
    lock.unlock();
    std::string error;
    const bool delivered = Deliver(pending.url, pending.body, &error);
    lock.lock();
    if (delivered) continue;
    if (++pending.attempts >= kAttempts || stopping_) {
      log_(absl::StrCat("callback to ", pending.url, " dropped after ", pending.attempts,
                        " attempts: ", error));
      continue;
    }
    pending.due = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(500 << (pending.attempts - 1));
    // Back in its place among those posted.
    auto place = std::find_if(queue_.begin(), queue_.end(), [&](const Pending& other) {
      return other.sequence > pending.sequence;
    });
    queue_.insert(place, std::move(pending));
  }
}

}  // namespace rtparchive::node
