#include "node/media_ports.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWakeEvent;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fds_[0], &wake);
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
  ::close(epoll_fd_);
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
    // Registered once: a wait costs the same with ten ports or a thousand.
    epoll_event ready{};
    ready.events = EPOLLIN;
    ready.data.u64 = static_cast<uint64_t>(port);
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, socket.fd, &ready) != 0) {
      ::close(socket.fd);
      continue;
    }
    if (socket.webrtc) ++webrtc_ports_;
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
  // Closed by the receiving thread, which may be reading it right now.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, socket->second.fd, nullptr);
  if (socket->second.webrtc) --webrtc_ports_;
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
  // Datagrams are read up to kBatch per recvmmsg call, into buffers large
  // enough for any jumbo frame.
  constexpr size_t kBatch = 16, kBufferBytes = 9216;
  std::vector<uint8_t> buffers(kBatch * kBufferBytes);
  std::array<sockaddr_storage, kBatch> peers{};
  std::array<iovec, kBatch> vectors{};
  std::array<mmsghdr, kBatch> messages{};
  std::array<epoll_event, 64> events{};
  std::vector<std::pair<int, Socket>> ready;  // by port, shared parts copied
  int64_t last_timers_us = 0;
  while (true) {
    int webrtc_ports = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      webrtc_ports = webrtc_ports_;
    }
    // A short wait while any WHIP publisher may need a DTLS retransmission
    // or feedback (NACK retries, congestion feedback every 50 ms).
    const int count = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                   webrtc_ports ? 20 : 200);
    const int64_t now_us = SystemTimeUs();
    const bool timers = webrtc_ports && now_us - last_timers_us >= 20'000;
    ready.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      for (int fd : closing_) ::close(fd);
      closing_.clear();
      for (int i = 0; i < count; ++i) {
        if (events[i].data.u64 == kWakeEvent) continue;
        // A port closed since the wait is gone from the map: skipped.
        auto socket = sockets_.find(static_cast<int>(events[i].data.u64));
        if (socket != sockets_.end()) ready.emplace_back(socket->first, socket->second);
      }
      if (timers) {
        for (const auto& [port, socket] : sockets_) {
          if (socket.webrtc) timer_sockets_.push_back(socket);
        }
      }
    }
    for (int i = 0; i < count; ++i) {
      if (events[i].data.u64 != kWakeEvent) continue;
      char drain[64];
      while (::read(wake_fds_[0], drain, sizeof(drain)) > 0) {
      }
    }
    if (timers) {
      last_timers_us = now_us;
      for (const Socket& socket : timer_sockets_) {
        socket.webrtc->OnTimer(now_us, [&](absl::Span<const uint8_t> datagram, const Endpoint& to) {
          SendTo(socket, datagram, to);
        });
      }
      timer_sockets_.clear();
    }
    for (const auto& entry : ready) {
      // Named, not a structured binding: the lambdas below capture them.
      const int port = entry.first;
      const Socket& socket = entry.second;
      const auto deliver = [&](absl::Span<const uint8_t> packet, int64_t arrival_us) {
        on_packet_(port, packet, arrival_us);
      };
      // Drain the socket: a keyframe arrives as a burst. At most 256 a turn,
      // so one busy port cannot starve the others (epoll reports it again).
      for (size_t turn = 0; turn < 256; turn += kBatch) {
        for (size_t i = 0; i < kBatch; ++i) {
          vectors[i] = {buffers.data() + i * kBufferBytes, kBufferBytes};
          messages[i].msg_hdr = {};
          messages[i].msg_hdr.msg_name = &peers[i];
          messages[i].msg_hdr.msg_namelen = sizeof(peers[i]);
          messages[i].msg_hdr.msg_iov = &vectors[i];
          messages[i].msg_hdr.msg_iovlen = 1;
        }
        const int got = ::recvmmsg(socket.fd, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const int64_t arrival_us = SystemTimeUs();
        for (int i = 0; i < got; ++i) {
          if (messages[i].msg_hdr.msg_flags & MSG_TRUNC) {  // over a jumbo frame: no RTP we read
            counters_.received.fetch_add(1, std::memory_order_relaxed);
            counters_.refused[static_cast<int>(Refusal::kNotRtp)].fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          const absl::Span<const uint8_t> datagram(buffers.data() + i * kBufferBytes, messages[i].msg_len);
          if (socket.webrtc) {
            socket.webrtc->Offer(EndpointOf(peers[i]), datagram, arrival_us, deliver,
                                 [&](absl::Span<const uint8_t> answer, const Endpoint& to) {
                                   SendTo(socket, answer, to);
                                 });
          } else {
            socket.gate->Offer(EndpointOf(peers[i]), datagram, arrival_us, deliver);
          }
        }
        if (static_cast<size_t>(got) < kBatch) break;
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
