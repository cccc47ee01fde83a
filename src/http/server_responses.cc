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
  if (!response.file.empty()) {
    connection.file = std::move(response.file);
    connection.piece = 0;
    connection.piece_sent = 0;
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
  while (connection.out_sent == connection.out.size() && connection.piece < connection.file.pieces.size()) {
    const BodyPiece& piece = connection.file.pieces[connection.piece];
    const uint64_t size = piece.fd >= 0 ? piece.size : piece.bytes.size();
    if (connection.piece_sent >= size) {
      ++connection.piece;
      connection.piece_sent = 0;
      continue;
    }
    ssize_t sent;
    if (piece.fd >= 0) {
      off_t at = static_cast<off_t>(piece.offset + connection.piece_sent);
      sent = ::sendfile(connection.fd, piece.fd, &at, size - connection.piece_sent);
    } else {
      sent = ::send(connection.fd, piece.bytes.data() + connection.piece_sent, size - connection.piece_sent,
                    MSG_NOSIGNAL);
    }
    if (sent > 0) {
      connection.piece_sent += static_cast<uint64_t>(sent);
      progress = true;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Close(connection.id);  // also when a file is shorter than announced
  }
  const int64_t now = NowMs();
  if (progress) connection.deadline_ms = now + options_.write_timeout_ms;
  const bool done = connection.out_sent == connection.out.size() &&
                    connection.piece >= connection.file.pieces.size();
  if (!done) return Watch(connection, EPOLLOUT);
  connection.file.CloseFiles();
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
      done.response.file.CloseFiles();
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
