// stop -> available for a long archive: STREAMS streams x MINUTES of media,
// made through the library on a simulated clock (not in real time) by
// looping the bundled av-sync capture (VP8 640x480 + Opus, 400 kbit/s, 5 s:
// its RTP with sequence numbers, timestamps and arrival times moved on by
// each loop). Only Archive::Stop() is timed: every stream finished (Cues,
// duration), the manifest and the ZIP, written as one file (write_zip, as
// `replay` does: every segment but the largest is copied) or given as
// pieces (as the node does, which streams the ZIP to downloads and
// uploads). Fails unless every frame pushed is in the result. Run by scripts/bench.sh; the archive needs about
// STREAMS x MINUTES x 3 MB of disk under $TMPDIR (default /var/tmp).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ingest/pcap_reader.h"
#include "rtp/rtp_packet.h"
#include "rtparchive/archive.h"

namespace rtparchive {
namespace {

constexpr int64_t kLoopUs = 5'000'000;  // the capture: 150 video frames, 250 Opus frames

struct Packet {
  std::vector<uint8_t> bytes;
  int64_t offset_us;     // arrival after the capture's first packet
  int clock_rate;        // of its payload type
  uint16_t per_loop;     // packets of its SSRC in one loop (sequence numbers move on by this)
};

const std::vector<Packet>& CapturePackets() {
  static const std::vector<Packet> packets = [] {
    std::vector<Packet> out;
    auto reader =
        ingest::PcapReader::Open(std::string(RTPARCHIVE_TESTDATA) + "/captures/av-sync.pcap");
    if (!reader.ok()) std::abort();
    ingest::Datagram datagram;
    std::map<uint32_t, uint16_t> per_ssrc;
    int64_t first_us = -1;
    while ((*reader)->Next(&datagram) == ingest::PcapReader::Result::kDatagram) {
      rtp::RtpPacketView view;
      // RTCP left out: without sender reports the clock is arrival time,
      // which the loop moves on exactly.
      if (rtp::LooksLikeRtcp(datagram.payload) || view.Parse(datagram.payload) != rtp::RtpError::kNone) {
        continue;
      }
      if (first_us < 0) first_us = datagram.arrival_time_us;
      ++per_ssrc[view.ssrc()];
      out.push_back({std::vector<uint8_t>(datagram.payload.begin(), datagram.payload.end()),
                     datagram.arrival_time_us - first_us, view.payload_type() == 96 ? 90000 : 48000, 0});
    }
    for (Packet& packet : out) {
      rtp::RtpPacketView view;
      (void)view.Parse(packet.bytes);
      packet.per_loop = per_ssrc[view.ssrc()];
    }
    return out;
  }();
  return packets;
}

// `packet` as it is in loop `loop`: sequence number and timestamp moved on.
void MoveOn(const Packet& packet, int64_t loop, std::vector<uint8_t>* out) {
  *out = packet.bytes;
  const uint16_t sequence = static_cast<uint16_t>(((*out)[2] << 8 | (*out)[3]) + loop * packet.per_loop);
  (*out)[2] = static_cast<uint8_t>(sequence >> 8);
  (*out)[3] = static_cast<uint8_t>(sequence);
  uint32_t timestamp = static_cast<uint32_t>((*out)[4]) << 24 | (*out)[5] << 16 | (*out)[6] << 8 | (*out)[7];
  timestamp += static_cast<uint32_t>(loop * (kLoopUs / 1000) * (packet.clock_rate / 1000));
  for (int i = 0; i < 4; ++i) (*out)[4 + i] = static_cast<uint8_t>(timestamp >> (24 - 8 * i));
}

void BM_StopLongArchive(benchmark::State& state) {
  const int streams = static_cast<int>(state.range(0));
  const int64_t loops = state.range(1) * 60'000'000 / kLoopUs;
  const std::string folder = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/var/tmp") +
                             "/rtparchive-finalise-bench-" + std::to_string(::getpid());
  const auto& packets = CapturePackets();
  for (auto _ : state) {
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder);
    ArchiveOptions options;
    options.id = "8a6f2b1e-0c1d-4e2f-9a3b-5c6d7e8f9a0b";
    options.output_path = folder + "/archive.zip";
    options.flush_each_cluster = true;  // as a live node writes
    options.write_zip = state.range(2) != 0;
    options.limits.max_recorded_us = options.limits.max_total_us = 48LL * 3600 * 1'000'000;
    const int64_t start_us = 1'800'000'000'000'000;
    options.started_at_us = start_us;
    auto archive = Archive::Start(options);
    if (!archive.ok()) return state.SkipWithError("the archive did not start");
    for (int s = 0; s < streams; ++s) {
      StreamOptions stream;
      stream.stream_id = "stream-" + std::to_string(s);
      stream.payload_types = {{96, PayloadTypeInfo(PayloadFormat::kVp8, 90000)},
                              {111, PayloadTypeInfo(PayloadFormat::kOpus, 48000)}};
      if (!(*archive)->AddStream(stream).ok()) return state.SkipWithError("a stream was refused");
    }
    std::vector<uint8_t> moved;
    for (int64_t loop = 0; loop < loops; ++loop) {
      for (const Packet& packet : packets) {
        MoveOn(packet, loop, &moved);
        for (int s = 0; s < streams; ++s) {
          if (!(*archive)->PushPacket("stream-" + std::to_string(s), moved,
                                      start_us + loop * kLoopUs + packet.offset_us).ok()) {
            return state.SkipWithError("a packet was refused");
          }
        }
      }
    }
    const auto began = std::chrono::steady_clock::now();
    auto result = (*archive)->Stop();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    state.SetIterationTime(took.count());
    if (!result.ok()) return state.SkipWithError(std::string(result.status().message()).c_str());
    int64_t video_frames = 0;
    for (const StreamResult& stream : result->streams) {
      for (const TrackCounters& track : stream.tracks) {
        if (track.kind == MediaKind::kVideo) video_frames += track.frames_written;
      }
    }
    state.counters["zip_GB"] = static_cast<double>(result->zip_size) / 1e9;
    state.counters["video_frames"] = static_cast<double>(video_frames);
    if (video_frames != streams * loops * 150) {
      return state.SkipWithError("frames are missing from the archive");
    }
  }
  std::filesystem::remove_all(folder);
}
// 50 streams x 60 minutes, the goal's archive; 50 x 6 minutes shows how the
// time grows with the archive's length. Third argument: write_zip.
BENCHMARK(BM_StopLongArchive)
    ->ArgNames({"streams", "minutes", "write_zip"})
    ->Args({50, 6, 1})->Args({50, 6, 0})->Args({50, 60, 1})->Args({50, 60, 0})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rtparchive

BENCHMARK_MAIN();
