// UDP ports that receive publishers' RTP and RTCP (RFC 5761 mux: both on one
// port), one per announced stream, read by one thread with poll(2). Packets
// are timestamped on arrival with the system clock. RTCP feedback (PLI) goes
// back to the address the port last heard from.
#ifndef RTPARCHIVE_NODE_MEDIA_PORTS_H_
#define RTPARCHIVE_NODE_MEDIA_PORTS_H_

#include <netinet/in.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace rtparchive::node {

class MediaPorts {
 public:
  // Called on the receiving thread for each datagram.
  using PacketHandler =
      std::function<void(int port, absl::Span<const uint8_t> packet, int64_t arrival_time_us)>;

  MediaPorts(std::string address, int first_port, int last_port, PacketHandler on_packet);
  ~MediaPorts();
  MediaPorts(const MediaPorts&) = delete;
  MediaPorts& operator=(const MediaPorts&) = delete;

  // Binds the next free port of the range. ResourceExhausted when none is.
  absl::StatusOr<int> Open();
  void Close(int port);
  // Sends `packet` to where `port` last received from; false if it has not yet.
  bool SendBack(int port, absl::Span<const uint8_t> packet);

 private:
  struct Socket {
    int fd = -1;
    bool heard = false;
    sockaddr_in6 peer{};
    socklen_t peer_size = 0;
  };
  void Run();
  void Wake();

  const std::string address_;
  const int first_port_, last_port_;
  const PacketHandler on_packet_;
  std::mutex mu_;
  std::map<int, Socket> sockets_;  // by port
  std::vector<int> closing_;       // fds the receiving thread closes next
  int wake_fds_[2] = {-1, -1};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_MEDIA_PORTS_H_
