// node_load: N publishers sending one capture's RTP and RTCP to a recording
// node in real time, one UDP port of the node per publisher (the ports its
// announce route gave). The load generator of scripts/bench_node.py; it must
// not be what limits the node, so:
//  - every publisher's packets are prepared before the clock starts (SRTP
//    protected then, under an SDES key, so encryption costs the sender
//    nothing while it sends);
//  - one thread sends them all with sendmmsg, up to 64 datagrams a call,
//    each at its capture time plus the publisher's start offset (starts
//    spread over one second, so keyframes do not all come at once);
//  - it reports what it sent and the CPU time it used.
//
//   node_load CAPTURE.pcap HOST PORTS_FILE [SUITE:BASE64_KEY]
//
// PORTS_FILE: one port per line. Prints one JSON line:
// {"publishers", "packets", "bytes", "cpu_s", "wall_s", "late_ms_max",
// "feedback" (RTCP datagrams the node sent back)}.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "ingest/pcap_reader.h"
#include "rtp/rtp_packet.h"
#include "srtp/srtp_receiver.h"

namespace {

using rtparchive::ingest::PcapReader;

struct CapturedPacket {
  int64_t offset_us = 0;  // from the capture's first datagram
  std::vector<uint8_t> bytes;
};

int64_t NowUs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000 + now.tv_nsec / 1000;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

bool ReadCapture(const std::string& path, std::vector<CapturedPacket>* packets) {
  auto reader = PcapReader::Open(path);
  if (!reader.ok()) {
    std::fprintf(stderr, "node_load: %s\n", std::string(reader.status().message()).c_str());
    return false;
  }
  rtparchive::ingest::Datagram datagram;
  int64_t first = -1;
  while ((*reader)->Next(&datagram) == PcapReader::Result::kDatagram) {
    if (!rtparchive::rtp::LooksLikeRtpOrRtcp(datagram.payload)) continue;
    if (first < 0) first = datagram.arrival_time_us;
    packets->push_back({datagram.arrival_time_us - first,
                        std::vector<uint8_t>(datagram.payload.begin(), datagram.payload.end())});
  }
  return !packets->empty();
}

// Each publisher's datagrams, SRTP-protected under `key` when one is given.
std::vector<std::vector<std::vector<uint8_t>>> Prepare(const std::vector<CapturedPacket>& capture,
                                                       size_t publishers,
                                                       const rtparchive::srtp::SrtpKey* key) {
  std::vector<std::vector<std::vector<uint8_t>>> prepared(key ? publishers : 0);
  for (auto& packets : prepared) {
    auto sender = rtparchive::srtp::SrtpSender::Create(*key);
    if (!sender.ok()) return {};
    for (const CapturedPacket& packet : capture) {
      packets.push_back(rtparchive::rtp::LooksLikeRtcp(packet.bytes) ? (*sender)->ProtectRtcp(packet.bytes)
                                                                     : (*sender)->ProtectRtp(packet.bytes));
    }
  }
  return prepared;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: node_load CAPTURE.pcap HOST PORTS_FILE [SUITE:BASE64_KEY]\n");
    return 2;
  }
  std::vector<CapturedPacket> capture;
  if (!ReadCapture(argv[1], &capture)) return 1;
  std::vector<sockaddr_in> destinations;
  std::ifstream ports_file(argv[3]);
  for (int port = 0; ports_file >> port;) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) {
      std::fprintf(stderr, "node_load: %s is no IPv4 address\n", argv[2]);
      return 2;
    }
    destinations.push_back(to);
  }
  const size_t publishers = destinations.size();
  std::unique_ptr<rtparchive::srtp::SrtpKey> key;
  if (argc > 4) {
    auto parsed = rtparchive::srtp::ParseKeyArgument(argv[4]);
    if (!parsed.ok()) {
      std::fprintf(stderr, "node_load: %s\n", std::string(parsed.status().message()).c_str());
      return 2;
    }
    key = std::make_unique<rtparchive::srtp::SrtpKey>(*parsed);
  }
  const auto encrypted = Prepare(capture, publishers, key.get());
  if (key && encrypted.size() != publishers) return 1;

  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int buffer = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
  // The node's RTCP back (PLIs at each archive's start) is read and counted,
  // so it does not overflow this socket and show as the kernel's drops.
  uint64_t feedback = 0;
  const auto drain = [&] {
    uint8_t discard[1500];
    while (recv(fd, discard, sizeof(discard), MSG_DONTWAIT) > 0) ++feedback;
  };
  // The next datagram of each publisher, earliest first: (due µs, publisher, index).
  using Next = std::tuple<int64_t, size_t, size_t>;
  std::priority_queue<Next, std::vector<Next>, std::greater<Next>> due;
  const int64_t start = NowUs() + 100'000;
  for (size_t i = 0; i < publishers; ++i) {
    due.emplace(start + static_cast<int64_t>(i * 1'000'000 / std::max<size_t>(publishers, 1)), i, 0);
  }
  const double cpu_before = CpuSeconds();
  constexpr size_t kBatch = 64;
  std::vector<mmsghdr> messages(kBatch);
  std::vector<iovec> vectors(kBatch);
  uint64_t packets = 0, bytes = 0;
  int64_t late_max_us = 0;
  while (!due.empty()) {
    const int64_t now = NowUs();
    size_t batch = 0;
    while (!due.empty() && batch < kBatch && std::get<0>(due.top()) <= now) {
      const auto [at, publisher, index] = due.top();
      due.pop();
      late_max_us = std::max(late_max_us, now - at);
      const std::vector<uint8_t>& datagram = key ? encrypted[publisher][index] : capture[index].bytes;
      vectors[batch] = {const_cast<uint8_t*>(datagram.data()), datagram.size()};
      messages[batch].msg_hdr = {};
      messages[batch].msg_hdr.msg_name = &destinations[publisher];
      messages[batch].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      messages[batch].msg_hdr.msg_iov = &vectors[batch];
      messages[batch].msg_hdr.msg_iovlen = 1;
      ++batch;
      if (index + 1 < capture.size()) {
        due.emplace(at - capture[index].offset_us + capture[index + 1].offset_us, publisher, index + 1);
      }
    }
    for (size_t sent = 0; sent < batch;) {
      const int result = sendmmsg(fd, messages.data() + sent, static_cast<unsigned>(batch - sent), 0);
      if (result <= 0) {
        if (errno == EAGAIN) {  // the send buffer is full: wait for room, the datagrams stay due
          usleep(200);
          continue;
        }
        break;  // counted as not sent
      }
      for (int i = 0; i < result; ++i) bytes += vectors[sent + static_cast<size_t>(i)].iov_len;
      sent += static_cast<size_t>(result);
      packets += static_cast<uint64_t>(result);
    }
    drain();
    if (batch == 0 && !due.empty()) {
      const int64_t wait = std::get<0>(due.top()) - NowUs();
      if (wait > 0) usleep(static_cast<useconds_t>(std::min<int64_t>(wait, 1000)));
    }
  }
  std::printf("{\"publishers\": %zu, \"packets\": %llu, \"bytes\": %llu, \"cpu_s\": %.3f, \"wall_s\": %.3f, "
              "\"late_ms_max\": %.1f, \"feedback\": %llu}\n",
              publishers, static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes),
              CpuSeconds() - cpu_before, (NowUs() - start) / 1e6, late_max_us / 1000.0,
              static_cast<unsigned long long>(feedback));
  close(fd);
  return 0;
}
