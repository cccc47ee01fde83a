// The HTTP server's answers: handlers run on the worker threads, and what
// they return is written by the connection thread (see server.h).
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "http/connection.h"
#include "http/server.h"

namespace rtparchive::http {
namespace {

constexpr int kDrainMs = 1000;  // reading what a refused client still sends

}  // namespace

void Server::StartResponse(Connection& connection, Response response) {
  connection.out = SerializeHead(response, connection.keep_alive);
  if (response.file.fd >= 0) {
    connection.file = response.file;
    connection.file_sent = 0;
  } else {
    connection.out += response.body;
  }
  connection.out_sent = 0;
  connection.state = Connection::State::kWriting;
  connection.deadline_ms = NowMs() + options_.write_timeout_ms;
  OnWritable(connection);
}

void Server::OnWritable(Connection& connection) {
  if (connection.state != Connection::State::kWriting) return;
  bool progress = false;
  while (connection.out_sent < connection.out.size()) {
    const ssize_t sent = ::send(connection.fd, connection.out.data() + connection.out_sent,
                                connection.out.size() - connection.out_sent, MSG_NOSIGNAL);
    if (sent > 0) {
      connection.out_sent += static_cast<size_t>(sent);
      progress = true;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Close(connection.id);
  }
  while (connection.out_sent == connection.out.size() && connection.file.fd >= 0 &&
         static_cast<uint64_t>(connection.file_sent) < connection.file.size) {
    const ssize_t sent = ::sendfile(connection.fd, connection.file.fd, &connection.file_sent,
                                    connection.file.size - connection.file_sent);
    if (sent > 0) {
      progress = true;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Close(connection.id);  // also when the file is shorter than announced
  }
  const int64_t now = NowMs();
  if (progress) connection.deadline_ms = now + options_.write_timeout_ms;
  const bool done = connection.out_sent == connection.out.size() &&
                    (connection.file.fd < 0 ||
                     static_cast<uint64_t>(connection.file_sent) >= connection.file.size);
  if (!done) return Watch(connection, EPOLLOUT);
  if (connection.file.fd >= 0) ::close(connection.file.fd);
  connection.file = {};
  connection.out.clear();
  if (!connection.keep_alive) {
    // Half-close, and read what the client still sends for a moment, so
    // that closing does not reset the connection before it read the answer.
    ::shutdown(connection.fd, SHUT_WR);
    connection.state = Connection::State::kDraining;
    connection.deadline_ms = now + kDrainMs;
    return Watch(connection, EPOLLIN);
  }
  connection.state = Connection::State::kIdle;
  connection.idle_since_ms = now;
  connection.deadline_ms = now + options_.idle_timeout_ms;
  Watch(connection, EPOLLIN);
  if (!connection.in.empty()) Advance(connection);  // a pipelined request
}

void Server::CollectFinished() {
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    finished.swap(finished_);
  }
  for (Finished& done : finished) {
    auto found = connections_.find(done.connection_id);
    if (found == connections_.end()) {  // the client left meanwhile
      if (done.response.file.fd >= 0) ::close(done.response.file.fd);
      continue;
    }
    StartResponse(*found->second, std::move(done.response));
  }
}

void Server::RunWorker() {
  while (true) {
    std::pair<uint64_t, Request> job;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (stopping_) return;
      job = std::move(queued_.front());
      queued_.pop_front();
    }
    Response response;
    handler_(job.second, response);
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      finished_.push_back({job.first, std::move(response)});
    }
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
}

}  // namespace rtparchive::http
