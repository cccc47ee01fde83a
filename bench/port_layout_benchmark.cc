// One media port per publisher (what the node does) against one port shared
// by every publisher and demultiplexed by the sender's address (the other
// design the WebRTC ingest issue asks to measure). N publishers, each with
// its own socket, send 1,200-byte datagrams at a live rate (231 a second
// each: the node ladder's VP8 1.5 Mbit/s + Opus) over loopback from one
// thread on CPU 1; the receiving thread on CPU 0 waits as the node's media
// thread does (epoll, recvmmsg 16 at a time, at most 256 per port per turn)
// and finds each datagram's publisher: by port, or by looking its source
// address up in a hash map. Timed: the receiving thread's CPU (user and
// kernel) over 3 s. Fails when datagrams are lost, except under a flood:
// with a third argument of 1, another socket sends garbage as fast as it
// can (3 s at most) at the shared port, or at publisher 0's own port, and
// the publishers' losses are counted (how many lost any). Run by
// scripts/bench.sh.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace {

constexpr int kPerPublisherPerSecond = 231;
constexpr size_t kDatagramBytes = 1200;
constexpr int kSeconds = 3;
constexpr size_t kBatch = 16;

void PinTo(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  sched_setaffinity(0, sizeof(set), &set);
}

int BoundSocket(uint16_t* port, int receive_buffer, bool privileged = false) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  // A shared port needs the buffer of every publisher: past net.core.rmem_max
  // only with CAP_NET_ADMIN (SO_RCVBUFFORCE), which a node should not need.
  if (receive_buffer) {
    ::setsockopt(fd, SOL_SOCKET, privileged ? SO_RCVBUFFORCE : SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  *port = ntohs(address.sin_port);
  return fd;
}

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// range(0): publishers; range(1): 0 = a port each, 1 = one shared port
// with the buffer of all (SO_RCVBUFFORCE: CAP_NET_ADMIN, or a raised
// net.core.rmem_max), 2 = one shared port with an untuned socket's buffer;
// range(2): 1 = a flood at the (first) port.
void BM_ReceivePorts(benchmark::State& state) {
  const int publishers = static_cast<int>(state.range(0));
  const bool shared = state.range(1) != 0;
  const bool privileged = state.range(1) == 1;
  const bool flood = state.range(2) != 0;
  for (auto _ : state) {
    // The receiving side: one socket, or one per publisher (a shared port
    // gets the buffer of all of them).
    const int ports = shared ? 1 : publishers;
    std::vector<int> receivers(static_cast<size_t>(ports));
    std::vector<uint16_t> receiver_ports(receivers.size());
    const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < ports; ++i) {
      // A shared port: the buffer of every publisher, or what a socket gets
      // untuned (net.core.rmem_default, 208 KiB on Debian).
      receivers[i] = BoundSocket(&receiver_ports[i], !shared ? 0 : privileged ? 208 * 1024 * publishers : 212992,
                                 privileged);
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u32 = static_cast<uint32_t>(i);
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, receivers[i], &event);
    }
    std::vector<int> senders(static_cast<size_t>(publishers));
    absl::flat_hash_map<uint64_t, int> publisher_of;  // source address and port -> publisher
    for (int i = 0; i < publishers; ++i) {
      uint16_t port = 0;
      senders[i] = BoundSocket(&port, 0);
      publisher_of[uint64_t{INADDR_LOOPBACK} << 16 | port] = i;
    }
    std::vector<int64_t> received_by(static_cast<size_t>(publishers), 0);
    std::atomic<bool> sending{true};
    int64_t sent = 0;
    std::thread sender([&] {
      PinTo(1);
      const std::vector<uint8_t> payload(kDatagramBytes, 0x80);
      const auto start = std::chrono::steady_clock::now();
      // Every millisecond, the datagrams due by then, publishers in turn.
      const int64_t total = int64_t{publishers} * kPerPublisherPerSecond * kSeconds;
      int next = 0;
      for (int64_t tick = 1; sent < total; ++tick) {
        std::this_thread::sleep_until(start + std::chrono::milliseconds(tick));
        const int64_t due = std::min(total, total * tick / (kSeconds * 1000));
        for (; sent < due; ++sent, next = (next + 1) % publishers) {
          sockaddr_in to{};
          to.sin_family = AF_INET;
          to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          to.sin_port = htons(receiver_ports[shared ? 0 : next]);
          ::sendto(senders[next], payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last ones are read
      sending = false;
    });
    std::thread flooder;
    int64_t flooded = 0;
    if (flood) {
      flooder = std::thread([&] {
        PinTo(1);
        uint16_t port = 0;
        const int fd = BoundSocket(&port, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to.sin_port = htons(receiver_ports[0]);
        const std::vector<uint8_t> garbage(kDatagramBytes, 0x55);
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(kSeconds);
        while (sending && std::chrono::steady_clock::now() < end && flooded < 50'000'000) {
          for (int i = 0; i < 64; ++i, ++flooded) {
            ::sendto(fd, garbage.data(), garbage.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
          }
        }
        ::close(fd);
      });
    }
    PinTo(0);
    std::vector<uint8_t> buffers(kBatch * 9216);
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> vectors{};
    std::array<sockaddr_in, kBatch> peers{};
    std::array<epoll_event, 256> events{};
    const double cpu_before = ThreadCpuSeconds();
    while (sending) {
      const int count = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 20);
      for (int e = 0; e < count; ++e) {
        const int port = static_cast<int>(events[e].data.u32);
        for (size_t turn = 0; turn < 256; turn += kBatch) {
          for (size_t i = 0; i < kBatch; ++i) {
            vectors[i] = {buffers.data() + i * 9216, 9216};
            messages[i].msg_hdr = {};
            messages[i].msg_hdr.msg_name = &peers[i];
            messages[i].msg_hdr.msg_namelen = sizeof(peers[i]);
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
          }
          const int got = ::recvmmsg(receivers[port], messages.data(), kBatch, MSG_DONTWAIT, nullptr);
          if (got <= 0) break;
          for (int i = 0; i < got; ++i) {
            if (!shared && !flood) {
              ++received_by[port];
              continue;
            }
            auto found = publisher_of.find(uint64_t{ntohl(peers[i].sin_addr.s_addr)} << 16 | ntohs(peers[i].sin_port));
            if (found != publisher_of.end()) ++received_by[found->second];
          }
          if (static_cast<size_t>(got) < kBatch) break;
        }
      }
    }
    const double cpu = ThreadCpuSeconds() - cpu_before;
    sender.join();
    if (flooder.joinable()) flooder.join();
    int64_t received = 0, losing = 0;
    for (int64_t count : received_by) {
      received += count;
      losing += count < sent / publishers;
    }
    state.counters["publishers_losing"] = static_cast<double>(losing);
    state.counters["flooded"] = static_cast<double>(flooded);
    state.SetIterationTime(cpu);
    state.counters["ns_per_datagram"] = cpu * 1e9 / static_cast<double>(std::max<int64_t>(received, 1));
    state.counters["core_share"] = cpu / kSeconds;
    state.counters["received"] = static_cast<double>(received);
    state.counters["sent"] = static_cast<double>(sent);
    for (int fd : receivers) ::close(fd);
    for (int fd : senders) ::close(fd);
    ::close(epoll_fd);
    if (!flood && state.range(1) != 2 && received != sent) state.SkipWithError("datagrams were lost");
  }
}
BENCHMARK(BM_ReceivePorts)
    ->ArgNames({"publishers", "shared", "flood"})
    ->Args({100, 0, 0})->Args({100, 1, 0})->Args({300, 0, 0})->Args({300, 1, 0})->Args({1000, 0, 0})
    ->Args({1000, 1, 0})->Args({1000, 2, 0})->Args({300, 0, 1})->Args({300, 1, 1})->Args({300, 2, 1})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
