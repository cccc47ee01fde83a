// What a media port's source gate costs per packet, next to parsing the
// same packet as RTP: a refused flood must stay as cheap as a parse.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "node/source_gate.h"
#include "srtp/srtp_receiver.h"

namespace {

using rtparchive::node::Endpoint;
using rtparchive::node::MediaCounters;
using rtparchive::node::SourceGate;

std::vector<uint8_t> Rtp(uint16_t seq, uint32_t ssrc, size_t size) {
  std::vector<uint8_t> packet(size, 0x55);
  packet[0] = 0x80;
  packet[1] = 96;
  packet[2] = seq >> 8;
  packet[3] = seq & 0xff;
  packet[8] = ssrc >> 24;
  packet[9] = ssrc >> 16 & 0xff;
  packet[10] = ssrc >> 8 & 0xff;
  packet[11] = ssrc & 0xff;
  return packet;
}

Endpoint At(uint8_t host, uint16_t port) {
  Endpoint endpoint;
  endpoint.address[10] = endpoint.address[11] = 0xff;
  endpoint.address[12] = 192;
  endpoint.address[15] = host;
  endpoint.port = port;
  return endpoint;
}

// Packets a validated publisher sends: the path every real packet takes.
void BM_GatePublisher(benchmark::State& state) {
  MediaCounters counters;
  SourceGate gate({}, "bench", &counters, nullptr);
  const Endpoint publisher = At(10, 5000);
  uint16_t seq = 0;
  uint64_t delivered = 0;
  auto packet = Rtp(0, 0xabc, 1200);
  for (auto _ : state) {
    packet[2] = seq >> 8;
    packet[3] = seq & 0xff;
    ++seq;
    gate.Offer(publisher, packet, 1'000'000 + seq, [&](auto, int64_t) { ++delivered; });
  }
  benchmark::DoNotOptimize(delivered);
}
BENCHMARK(BM_GatePublisher);

// A spray of RTP with random SSRCs before any publisher: every packet goes
// through probation (held, then replaced).
void BM_GateRandomSsrcSpray(benchmark::State& state) {
  MediaCounters counters;
  SourceGate gate({}, "bench", &counters, nullptr);
  const Endpoint stranger = At(66, 5000);
  std::mt19937 random(1);
  std::vector<std::vector<uint8_t>> packets;
  for (int i = 0; i < 1024; ++i) packets.push_back(Rtp(random(), random(), 1200));
  size_t i = 0;
  for (auto _ : state) {
    gate.Offer(stranger, packets[i++ & 1023], 1'000'000, [](auto, int64_t) {});
  }
}
BENCHMARK(BM_GateRandomSsrcSpray);

// The same spray once the port is locked to a publisher: refused by address.
void BM_GateOtherSource(benchmark::State& state) {
  MediaCounters counters;
  SourceGate gate({}, "bench", &counters, nullptr);
  for (uint16_t seq : {1, 2, 3}) gate.Offer(At(10, 5000), Rtp(seq, 7, 1200), 1'000'000, [](auto, int64_t) {});
  const Endpoint stranger = At(66, 5000);
  auto packet = Rtp(9, 7, 1200);
  for (auto _ : state) gate.Offer(stranger, packet, 1'000'000, [](auto, int64_t) {});
}
BENCHMARK(BM_GateOtherSource);

// Non-RTP garbage before any publisher.
void BM_GateGarbage(benchmark::State& state) {
  MediaCounters counters;
  SourceGate gate({}, "bench", &counters, nullptr);
  std::vector<uint8_t> garbage(600, 0x17);
  for (auto _ : state) gate.Offer(At(3, 5000), garbage, 1'000'000, [](auto, int64_t) {});
}
BENCHMARK(BM_GateGarbage);

// What SRTP adds per packet of a WHIP or SDES publisher: authenticating and
// decrypting a 1,200-byte packet (AES_CM_128_HMAC_SHA1_80, as Chromium
// negotiates by default, and AEAD_AES_128_GCM).
void BM_SrtpUnprotect(benchmark::State& state) {
  const auto suite = static_cast<rtparchive::srtp::SrtpSuite>(state.range(0));
  const rtparchive::srtp::SrtpKey key{suite, std::vector<uint8_t>(rtparchive::srtp::KeySaltBytes(suite), 7)};
  // Packets protected by libsrtp2 through the node's own SRTCP sender's
  // library calls would need the sender side: protect with a receiver's
  // twin session instead (same key, outbound).
  auto sender = rtparchive::srtp::SrtpSender::Create(key);
  auto receiver = rtparchive::srtp::SrtpReceiver::Create({key});
  // RTCP packets of RTP size: the same cipher and tag per byte as SRTP.
  std::vector<std::vector<uint8_t>> packets;
  for (int i = 0; i < 4096; ++i) {
    std::vector<uint8_t> rtcp(1200, 0x33);
    rtcp[0] = 0x80;
    rtcp[1] = 200;
    rtcp[2] = (1200 / 4 - 1) >> 8;
    rtcp[3] = (1200 / 4 - 1) & 0xff;
    rtcp[7] = 9;
    packets.push_back((*sender)->ProtectRtcp(rtcp));
  }
  std::vector<uint8_t> plain;
  size_t i = 0;
  for (auto _ : state) {
    if (i == packets.size()) {  // the replay window: a fresh receiver for the next round
      state.PauseTiming();
      receiver = rtparchive::srtp::SrtpReceiver::Create({key});
      i = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize((*receiver)->Unprotect(packets[i++], &plain));
  }
}
BENCHMARK(BM_SrtpUnprotect)
    ->Arg(static_cast<int>(rtparchive::srtp::SrtpSuite::kAesCm128HmacSha1_80))
    ->Arg(static_cast<int>(rtparchive::srtp::SrtpSuite::kAeadAes128Gcm));

}  // namespace

BENCHMARK_MAIN();
