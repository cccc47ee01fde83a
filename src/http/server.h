// The node's HTTP/1.1 server: one thread multiplexes every connection with
// epoll and reads whole requests without blocking, so idle or slow clients
// (slowloris) cost a socket and a small buffer each, never a thread; a pool
// of worker threads runs the handlers on complete requests only.
// - a request head must arrive whole within head_timeout_ms of its first
//   byte and a body within body_timeout_ms (408 after), however slowly it
//   trickles; a keep-alive connection may idle idle_timeout_ms;
// - heads over max_head_bytes are answered 431, bodies over max_body_bytes
//   413 before any of the body is read (also to Expect: 100-continue);
// - over max_connections, the longest-idle connection is closed for a new
//   one; with more requests waiting than max_queued, 503 at once;
// - responses with a file body are sent with sendfile(2) as the client reads.
#ifndef RTPARCHIVE_HTTP_SERVER_H_
#define RTPARCHIVE_HTTP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "http/message.h"
#include "http/request_parser.h"

namespace rtparchive::http {

struct ServerOptions {
  HeadLimits head;
  size_t max_body_bytes = 1 << 20;
  size_t max_connections = 10000;
  size_t max_queued = 1024;
  int worker_threads = 8;
  int head_timeout_ms = 10'000;
  int body_timeout_ms = 30'000;
  int idle_timeout_ms = 60'000;
  int write_timeout_ms = 60'000;  // without progress
};

class Server {
 public:
  // Runs on a worker thread for each complete request.
  using Handler = std::function<void(Request& request, Response& response)>;
  // The answer to a request refused before any handler ran (status, why).
  using RefusalBody = std::function<void(int status, const std::string& message, Response&)>;

  Server(ServerOptions options, Handler handler, RefusalBody refusal_body);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens on host:port (IPv4 or IPv6 literal, or "localhost").
  absl::Status Bind(const std::string& host, int port);
  // Serves until Stop(); returns after every worker is done.
  void Serve();
  void Stop();

  // Requests refused by the server itself, by status (for /metrics).
  std::map<int, uint64_t> refusals() const;
  size_t open_connections() const { return open_connections_.load(); }

 private:
  struct Connection;
  struct Finished {
    uint64_t connection_id;
    Response response;
  };

  void Accept();
  void OnReadable(Connection& connection);
  // Parses what `connection` has read; queues a complete request.
  void Advance(Connection& connection);
  void Refuse(Connection& connection, int status, const std::string& message);
  void StartResponse(Connection& connection, Response response);
  void OnWritable(Connection& connection);
  void Close(uint64_t id);
  // Closes the connection that has waited longest for a next request; false if none waits.
  bool CloseLongestIdle();
  void ExpireDeadlines(int64_t now_ms);
  void CollectFinished();
  void Watch(Connection& connection, uint32_t events);
  void RunWorker();

  const ServerOptions options_;
  const Handler handler_;
  const RefusalBody refusal_body_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: a worker finished, or Stop
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_connections_{0};
  uint64_t next_id_ = 2;  // 0 and 1 name the listener and the wake-up in epoll
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;  // I/O thread only

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::pair<uint64_t, Request>> queued_;
  std::vector<Finished> finished_;
  std::vector<std::thread> workers_;

  mutable std::mutex refusals_mu_;
  std::map<int, uint64_t> refusals_;
};

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_SERVER_H_
