#include "http/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <limits>

#include "absl/strings/str_cat.h"
#include "http/connection.h"

namespace rtparchive::http {
namespace {

constexpr uint64_t kListenerId = 0;
constexpr uint64_t kWakeId = 1;
constexpr size_t kReadPerEvent = 256 << 10;  // fairness between busy connections

}  // namespace

Server::Server(ServerOptions options, Handler handler, RefusalBody refusal_body)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      refusal_body_(std::move(refusal_body)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeId;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
}

Server::~Server() {
  Stop();
  for (auto& [id, connection] : connections_) {
    ::close(connection->fd);
    connection->file.CloseFiles();
  }
  for (auto& finished : finished_) {
    finished.response.file.CloseFiles();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

absl::Status Server::Bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot resolve ", host));
  }
  for (addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
      break;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kListenerId;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event);
  return absl::OkStatus();
}

void Server::Stop() {
  stopping_ = true;
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  queue_cv_.notify_all();
}

std::map<int, uint64_t> Server::refusals() const {
  std::lock_guard<std::mutex> lock(refusals_mu_);
  return refusals_;
}

void Server::Serve() {
  for (int i = 0; i < options_.worker_threads; ++i) workers_.emplace_back([this] { RunWorker(); });
  std::vector<epoll_event> events(256);
  int64_t last_sweep = NowMs();
  while (!stopping_) {
    const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < ready; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenerId) {
        Accept();
      } else if (id == kWakeId) {
        uint64_t count = 0;
        (void)!::read(wake_fd_, &count, sizeof(count));
        CollectFinished();
      } else {
        auto found = connections_.find(id);
        if (found == connections_.end()) continue;
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnReadable(*found->second);
        found = connections_.find(id);
        if (found != connections_.end() && (events[i].events & EPOLLOUT)) OnWritable(*found->second);
      }
    }
    const int64_t now = NowMs();
    if (now - last_sweep >= 100) {
      ExpireDeadlines(now);
      last_sweep = now;
    }
  }
  queue_cv_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void Server::Watch(Connection& connection, uint32_t events) {
  if (connection.watched == events) return;
  epoll_event event{};
  event.events = events;
  event.data.u64 = connection.id;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
  connection.watched = events;
}

void Server::Accept() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      // Out of descriptors: the longest-idle connection makes room.
      if ((errno == EMFILE || errno == ENFILE) && CloseLongestIdle()) continue;
      return;
    }
    if (connections_.size() >= options_.max_connections && !CloseLongestIdle()) {
      ::close(fd);  // every connection is busy: this one waits for none
      std::lock_guard<std::mutex> lock(refusals_mu_);
      ++refusals_[503];
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto connection = std::make_unique<Connection>();
    connection->id = next_id_++;
    connection->fd = fd;
    connection->idle_since_ms = NowMs();
    connection->deadline_ms = connection->idle_since_ms + options_.idle_timeout_ms;
    epoll_event event{};
    event.events = connection->watched = EPOLLIN;
    event.data.u64 = connection->id;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    connections_.emplace(connection->id, std::move(connection));
    ++open_connections_;
  }
}

bool Server::CloseLongestIdle() {
  uint64_t oldest = 0;
  int64_t since = kNever;
  for (const auto& [id, connection] : connections_) {
    if (connection->state == Connection::State::kIdle && connection->idle_since_ms < since) {
      oldest = id;
      since = connection->idle_since_ms;
    }
  }
  if (oldest != 0) Close(oldest);
  return oldest != 0;
}

void Server::Close(uint64_t id) {
  auto found = connections_.find(id);
  if (found == connections_.end()) return;
  ::close(found->second->fd);  // also leaves the epoll set
  found->second->file.CloseFiles();
  connections_.erase(found);
  --open_connections_;
}

void Server::OnReadable(Connection& connection) {
  char buffer[64 << 10];
  size_t taken = 0;
  while (taken < kReadPerEvent) {
    const ssize_t got = ::recv(connection.fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      taken += static_cast<size_t>(got);
      // What a refused client still sends is read and dropped.
      if (connection.state != Connection::State::kDraining) connection.in.append(buffer, got);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return Close(connection.id);  // the peer closed, or an error
  }
  if (connection.state != Connection::State::kDraining) Advance(connection);
}

void Server::Advance(Connection& connection) {
  using State = Connection::State;
  const int64_t now = NowMs();
  if (connection.state == State::kIdle || connection.state == State::kHead) {
    if (connection.in.empty()) return;
    if (connection.state == State::kIdle) {
      connection.state = State::kHead;  // the whole head must come within the timeout
      connection.deadline_ms = now + options_.head_timeout_ms;
    }
    connection.request = Request{};
    const HeadResult head = ParseRequestHead(connection.in, options_.head, &connection.request);
    if (head.kind == HeadResult::kIncomplete) return;
    if (head.kind == HeadResult::kRefused) return Refuse(connection, head.status, head.message);
    connection.in.erase(0, head.head_size);
    connection.keep_alive = connection.request.keep_alive;
    if (connection.request.content_length > options_.max_body_bytes) {
      return Refuse(connection, 413,
                    absl::StrCat("the body is over ", options_.max_body_bytes, " bytes"));
    }
    connection.state = State::kBody;
    connection.deadline_ms = now + options_.body_timeout_ms;
    if (connection.request.expects_continue &&
        connection.in.size() < connection.request.content_length) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      (void)!::send(connection.fd, kContinue, sizeof(kContinue) - 1, MSG_NOSIGNAL);
    }
  }
  if (connection.state != State::kBody) return;
  const size_t length = connection.request.content_length;
  if (connection.in.size() < length) return;
  connection.request.body = connection.in.substr(0, length);
  connection.in.erase(0, length);
  connection.state = State::kHandling;
  connection.deadline_ms = kNever;
  Watch(connection, 0);  // nothing more is read until this request is answered
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (queued_.size() < options_.max_queued) {
      queued_.emplace_back(connection.id, std::move(connection.request));
      queue_cv_.notify_one();
      return;
    }
  }
  Refuse(connection, 503, "the node is busy: try again");
}

void Server::Refuse(Connection& connection, int status, const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(refusals_mu_);
    ++refusals_[status];
  }
  Response response;
  response.status = status;
  refusal_body_(status, message, response);
  connection.keep_alive = false;
  StartResponse(connection, std::move(response));
}


void Server::ExpireDeadlines(int64_t now_ms) {
  std::vector<uint64_t> expired;
  for (const auto& [id, connection] : connections_) {
    if (connection->deadline_ms <= now_ms) expired.push_back(id);
  }
  for (uint64_t id : expired) {
    Connection& connection = *connections_.at(id);
    if (connection.state == Connection::State::kHead || connection.state == Connection::State::kBody) {
      Refuse(connection, 408, "the request did not arrive in time");
    } else {
      Close(id);
    }
  }
}


}  // namespace rtparchive::http
