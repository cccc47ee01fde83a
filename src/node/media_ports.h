// UDP ports that receive publishers' RTP and RTCP (RFC 5761 mux: both on one
// port), one per announced stream, read by one thread: epoll(7) reports the
// ports with datagrams waiting, recvmmsg(2) reads them in batches, so the
// cost of a wait does not grow with the number of ports. Packets
// are timestamped on arrival with the system clock and pass the port's
// SourceGate (validated sources only). RTCP feedback (PLI) goes back to the
// address the gate locked to.
#ifndef RTPARCHIVE_NODE_MEDIA_PORTS_H_
#define RTPARCHIVE_NODE_MEDIA_PORTS_H_

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "node/source_gate.h"
#include "node/webrtc_transport.h"

namespace rtparchive::node {

class MediaPorts {
 public:
  // Called on the receiving thread for each datagram.
  using PacketHandler =
      std::function<void(int port, absl::Span<const uint8_t> packet, int64_t arrival_time_us)>;

  MediaPorts(std::string address, int first_port, int last_port, PacketHandler on_packet,
             SourceGate::LogFunction log);
  ~MediaPorts();
  MediaPorts(const MediaPorts&) = delete;
  MediaPorts& operator=(const MediaPorts&) = delete;

  // Binds the next free port of the range, taking the sources `rules`
  // allow. ResourceExhausted when none is free.
  absl::StatusOr<int> Open(SourceRules rules);
  // A WHIP publisher's port: its datagrams go to `transport` (ICE, DTLS,
  // SRTP), which answers through the port.
  absl::StatusOr<int> Open(std::shared_ptr<WebRtcTransport> transport);
  void Close(int port);
  // Sends `packet` (feedback about `ssrc`) to where `port` takes that SSRC
  // from; false before it has validated media.
  bool SendBack(int port, uint32_t ssrc, absl::Span<const uint8_t> packet);

  // Totals over every port, for /metrics.
  const MediaCounters& counters() const { return counters_; }
  MediaCounters* mutable_counters() { return &counters_; }

 private:
  struct Socket {
    int fd = -1;
    int family = 0;
    // Shared with the receiving thread, which offers packets to it unlocked.
    std::shared_ptr<SourceGate> gate;
    std::shared_ptr<WebRtcTransport> webrtc;  // instead of `gate` for WHIP
  };
  // Binds the next free port and lets `fill` complete its socket.
  absl::StatusOr<int> Bind(const std::function<void(int port, Socket& socket)>& fill);
  static void SendTo(const Socket& socket, absl::Span<const uint8_t> datagram, const Endpoint& to);
  void Run();
  void Wake();

  const std::string address_;
  const int first_port_, last_port_;
  const PacketHandler on_packet_;
  const SourceGate::LogFunction log_;
  MediaCounters counters_;
  static constexpr uint64_t kWakeEvent = ~uint64_t{0};  // epoll data of the wake pipe; ports are the rest
  std::mutex mu_;
  std::map<int, Socket> sockets_;  // by port
  int webrtc_ports_ = 0;           // of them, WHIP publishers' (their timers run every 20 ms)
  int epoll_fd_ = -1;
  std::vector<Socket> timer_sockets_;  // the receiving thread's: WHIP ports whose timers run now
  std::vector<int> closing_;       // fds the receiving thread closes next
  int wake_fds_[2] = {-1, -1};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_MEDIA_PORTS_H_
