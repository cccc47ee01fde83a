#include "node/media_ports.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/system_clock.h"

namespace rtparchive::node {
namespace {

// A UDP socket bound to `address`:`port` (IPv4 or IPv6), or -1.
int BindUdp(const std::string& address, int port, int* family) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    size = sizeof(*v4);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    size = sizeof(*v6);
  } else {
    return -1;
  }
  *family = storage.ss_family;
  const int fd = ::socket(storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int buffer = 4 << 20;  // bursts of video keyframes
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), size) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

MediaPorts::MediaPorts(std::string address, int first_port, int last_port, PacketHandler on_packet,
                       SourceGate::LogFunction log)
    : address_(std::move(address)),
      first_port_(first_port),
      last_port_(last_port),
      on_packet_(std::move(on_packet)),
      log_(std::move(log)) {
  if (::pipe2(wake_fds_, O_NONBLOCK | O_CLOEXEC) != 0) wake_fds_[0] = wake_fds_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

MediaPorts::~MediaPorts() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  Wake();
  thread_.join();
  for (auto& [port, socket] : sockets_) ::close(socket.fd);
  for (int fd : closing_) ::close(fd);
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
}

void MediaPorts::Wake() {
  const char byte = 1;
  (void)!::write(wake_fds_[1], &byte, 1);
}

absl::StatusOr<int> MediaPorts::Open(SourceRules rules) {
  return Bind([&](int port, Socket& socket) {
    socket.gate = std::make_shared<SourceGate>(std::move(rules), absl::StrCat(port), &counters_, log_);
  });
}

absl::StatusOr<int> MediaPorts::Open(std::shared_ptr<WebRtcTransport> transport) {
  return Bind([&](int, Socket& socket) { socket.webrtc = std::move(transport); });
}

absl::StatusOr<int> MediaPorts::Bind(const std::function<void(int port, Socket& socket)>& fill) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int port = first_port_; port <= last_port_; ++port) {
    if (sockets_.count(port)) continue;
    Socket socket;
    socket.fd = BindUdp(address_, port, &socket.family);
    if (socket.fd < 0) continue;  // taken by another program
    fill(port, socket);
    sockets_[port] = std::move(socket);
    Wake();
    return port;
  }
  return absl::ResourceExhaustedError(absl::StrCat("no free UDP port in ", first_port_, "-",
                                                   last_port_, " on ", address_,
                                                   ": widen mediaPorts in the config"));
}

void MediaPorts::Close(int port) {
  std::lock_guard<std::mutex> lock(mu_);
  auto socket = sockets_.find(port);
  if (socket == sockets_.end()) return;
  // Closed by the receiving thread, which may be polling it right now.
  closing_.push_back(socket->second.fd);
  sockets_.erase(socket);
  Wake();
}

bool MediaPorts::SendBack(int port, uint32_t ssrc, absl::Span<const uint8_t> packet) {
  std::lock_guard<std::mutex> lock(mu_);
  auto socket = sockets_.find(port);
  if (socket == sockets_.end()) return false;
  std::optional<Endpoint> peer;
  std::vector<uint8_t> protected_packet;
  if (socket->second.webrtc) {  // SRTCP under the node's DTLS key
    auto feedback = socket->second.webrtc->ProtectFeedback(packet);
    if (!feedback) return false;
    protected_packet = std::move(feedback->first);
    packet = protected_packet;
    peer = feedback->second;
  } else if (!socket->second.gate->encrypted()) {  // SDES: the node has no key to send with
    peer = socket->second.gate->FeedbackTo(ssrc);
  }
  sockaddr_storage address{};
  socklen_t size = 0;
  if (!peer || !ToSocketAddress(*peer, socket->second.family, &address, &size)) return false;
  return ::sendto(socket->second.fd, packet.data(), packet.size(), 0,
                  reinterpret_cast<const sockaddr*>(&address),
                  size) == static_cast<ssize_t>(packet.size());
}

void MediaPorts::Run() {
  std::vector<uint8_t> buffer(65536);
  while (true) {
    std::vector<pollfd> polled = {{wake_fds_[0], POLLIN, 0}};
    std::vector<std::pair<int, Socket>> sockets = {{0, Socket{}}};  // by port, shared parts copied
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      for (int fd : closing_) ::close(fd);
      closing_.clear();
      for (const auto& [port, socket] : sockets_) {
        polled.push_back({socket.fd, POLLIN, 0});
        sockets.emplace_back(port, socket);
      }
    }
    // A short wait while any WHIP publisher may need a DTLS retransmission
    // or feedback (NACK retries, congestion feedback every 50 ms).
    const bool webrtc = std::any_of(sockets.begin(), sockets.end(),
                                    [](const auto& socket) { return socket.second.webrtc != nullptr; });
    const int ready = ::poll(polled.data(), polled.size(), webrtc ? 20 : 200);
    const int64_t now_us = SystemTimeUs();
    for (size_t i = 1; i < sockets.size(); ++i) {
      const Socket& socket = sockets[i].second;
      if (socket.webrtc) {
        socket.webrtc->OnTimer(now_us, [&](absl::Span<const uint8_t> datagram, const Endpoint& to) {
          SendTo(socket, datagram, to);
        });
      }
    }
    if (ready <= 0) continue;
    if (polled[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_fds_[0], drain, sizeof(drain)) > 0) {
      }
    }
    for (size_t i = 1; i < polled.size(); ++i) {
      if (!(polled[i].revents & POLLIN)) continue;
      // A port closed meanwhile still has its fd: this thread closes it, later.
      const int port = sockets[i].first;
      const Socket& socket = sockets[i].second;
      const auto deliver = [&](absl::Span<const uint8_t> packet, int64_t arrival_us) {
        on_packet_(port, packet, arrival_us);
      };
      // Drain the socket: a keyframe arrives as a burst.
      for (int burst = 0; burst < 256; ++burst) {
        sockaddr_storage peer{};
        socklen_t peer_size = sizeof(peer);
        const ssize_t got = ::recvfrom(polled[i].fd, buffer.data(), buffer.size(), 0,
                                       reinterpret_cast<sockaddr*>(&peer), &peer_size);
        if (got < 0) break;
        const absl::Span<const uint8_t> datagram(buffer.data(), static_cast<size_t>(got));
        if (socket.webrtc) {
          socket.webrtc->Offer(EndpointOf(peer), datagram, SystemTimeUs(), deliver,
                               [&](absl::Span<const uint8_t> answer, const Endpoint& to) {
                                 SendTo(socket, answer, to);
                               });
        } else {
          socket.gate->Offer(EndpointOf(peer), datagram, SystemTimeUs(), deliver);
        }
      }
    }
  }
}

void MediaPorts::SendTo(const Socket& socket, absl::Span<const uint8_t> datagram, const Endpoint& to) {
  sockaddr_storage address{};
  socklen_t size = 0;
  if (!ToSocketAddress(to, socket.family, &address, &size)) return;
  (void)::sendto(socket.fd, datagram.data(), datagram.size(), 0,
                 reinterpret_cast<const sockaddr*>(&address), size);
}

}  // namespace rtparchive::node
