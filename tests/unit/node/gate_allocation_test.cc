// A flood costs no allocation per packet: refusing or holding sprayed
// packets reuses a media port's held-packet buffers, which grow once each.
// Its own binary, since it counts every operator new of the process.
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "node/source_gate.h"

namespace {
std::atomic<long> allocations{0};
}  // namespace

// This binary's operator new and delete are malloc and free, consistently;
// GCC cannot see that through inlining and warns.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  ++allocations;
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace rtparchive::node {
namespace {

std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc) {
  std::vector<uint8_t> packet(1400, 0);
  packet[0] = 0x80;
  packet[1] = 96;
  packet[2] = seq >> 8;
  packet[3] = seq & 0xff;
  for (int i = 0; i < 4; ++i) packet[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  return packet;
}

TEST(GateAllocationTest, FloodsAllocateNothing) {
  MediaCounters counters;
  SourceGate gate({}, "test", &counters, [](absl::string_view) {});
  Endpoint stranger, publisher;
  stranger.address[15] = 66;
  publisher.address[15] = 10;
  std::mt19937 random(5);
  std::vector<std::vector<uint8_t>> spray;
  for (int i = 0; i < 4096; ++i) spray.push_back(Rtp(random(), random()));
  const std::vector<uint8_t> garbage(500, 0x11);
  auto offer = [&](const Endpoint& from, const std::vector<uint8_t>& packet) {
    gate.Offer(from, packet, 1'000'000, [](absl::Span<const uint8_t>, int64_t) {});
  };
  // Warm-up: every candidate slot's buffers grow to the packets' size once;
  // every log line is written once.
  for (const auto& packet : spray) offer(stranger, packet);
  offer(stranger, garbage);
  const long before = allocations.load();
  for (int round = 0; round < 25; ++round) {
    for (const auto& packet : spray) offer(stranger, packet);
    offer(stranger, garbage);
  }
  // 100,000 packets: the only allocations are held-packet buffers that grow
  // once each (a random sequence number sometimes lands in a candidate's
  // window and takes its second or third buffer), never one per packet.
  EXPECT_LE(allocations.load() - before,
            static_cast<long>(SourceGate::kMaxCandidates * 3));
  // After the lock, other senders are refused without allocating either.
  for (uint16_t seq : {1, 2, 3}) offer(publisher, Rtp(seq, 42));
  offer(stranger, spray[0]);  // its one log line
  const long locked = allocations.load();
  for (const auto& packet : spray) offer(stranger, packet);
  EXPECT_EQ(allocations.load() - locked, 0);
  EXPECT_GT(counters.refused[static_cast<int>(Refusal::kOtherSource)].load(), 4000u);
}

}  // namespace
}  // namespace rtparchive::node
