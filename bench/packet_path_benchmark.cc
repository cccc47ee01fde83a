// Microbenchmarks of the per-packet path (no disk), the writer and the
// finaliser: every packet of a bundled GStreamer capture through RTP
// parsing, the reorder buffer, depacketizer and frame assembler
// (TrackRecorder); frames through the WebM writer into memory; segment files
// into the archive's ZIP. Run by scripts/bench.sh.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "archive/track_recorder.h"
#include "archive/zip_writer.h"
#include "container/segment_writer.h"
#include "ingest/pcap_reader.h"
#include "rtp/rtp_packet.h"

namespace rtparchive {
namespace {

struct Packet {
  std::vector<uint8_t> bytes;
  int64_t arrival_time_us;
};

// The RTP packets of the capture's video SSRC (the first VP8 flow).
const std::vector<Packet>& VideoPackets() {
  static const std::vector<Packet> packets = [] {
    std::vector<Packet> out;
    auto reader =
        ingest::PcapReader::Open(std::string(RTPARCHIVE_TESTDATA) + "/captures/vp8-clean.pcap");
    if (!reader.ok()) std::abort();
    ingest::Datagram datagram;
    while ((*reader)->Next(&datagram) == ingest::PcapReader::Result::kDatagram) {
      rtp::RtpPacketView view;
      if (rtp::LooksLikeRtcp(datagram.payload) ||
          view.Parse(datagram.payload) != rtp::RtpError::kNone || view.payload_type() != 96) {
        continue;
      }
      out.push_back({std::vector<uint8_t>(datagram.payload.begin(), datagram.payload.end()),
                     datagram.arrival_time_us});
    }
    return out;
  }();
  return packets;
}

void BM_RtpParse(benchmark::State& state) {
  const auto& packets = VideoPackets();
  for (auto _ : state) {
    for (const Packet& packet : packets) {
      rtp::RtpPacketView view;
      benchmark::DoNotOptimize(view.Parse(packet.bytes));
    }
  }
  state.SetItemsProcessed(state.iterations() * packets.size());
}
BENCHMARK(BM_RtpParse);

// Parse, reorder, depacketize, assemble (copying each payload once, into
// its frame; a packet the reorder buffer keeps is copied into a reused buffer).
void BM_VideoPacketPath(benchmark::State& state) {
  const auto& packets = VideoPackets();
  int64_t frames = 0;
  BufferPool packet_buffers;
  archive::TrackRecorder::Config config;
  config.kind = MediaKind::kVideo;
  config.payload_type = 96;
  config.format = PayloadTypeInfo(PayloadFormat::kVp8, 90000);
  config.sender_report_wait_us = 0;
  config.packet_buffers = &packet_buffers;
  for (auto _ : state) {
    // A new track each time round (the capture's sequence numbers repeat),
    // made outside the timing: a recording makes one per track, not per packet.
    state.PauseTiming();
    auto track = std::make_unique<archive::TrackRecorder>(
        config, [&frames](MediaKind, codec::EncodedFrame frame) { frames += !frame.data.empty(); },
        nullptr, nullptr, "bench");
    state.ResumeTiming();
    for (const Packet& packet : packets) {
      rtp::RtpPacketView view;
      view.Parse(packet.bytes);
      track->OnRtp(view, packet.arrival_time_us);
    }
    track->Flush();
    state.PauseTiming();
    track.reset();
    state.ResumeTiming();
  }
  // Every frame (one marker bit each) must come out, or this measures a drop path.
  int64_t frames_sent = 0;
  for (const Packet& packet : packets) frames_sent += (packet.bytes[1] & 0x80) != 0;
  if (frames != static_cast<int64_t>(state.iterations()) * frames_sent) {
    state.SkipWithError("the track wrote fewer frames than the capture holds");
  }
  state.SetItemsProcessed(state.iterations() * packets.size());
}
BENCHMARK(BM_VideoPacketPath);

// 90 frames of 4 kB (a keyframe every 30) into an in-memory WebM.
void BM_SegmentWriter(benchmark::State& state) {
  int64_t bytes = 0;
  for (auto _ : state) {
    auto writer = container::SegmentWriter::Start(std::make_unique<container::MemorySink>(),
                                                  container::SegmentConfig());
    for (int i = 0; i < 90; ++i) {
      codec::EncodedFrame frame;
      frame.data.assign(4096, static_cast<uint8_t>(i));
      frame.keyframe = i % 30 == 0;
      if (!(*writer)->PutFrame(MediaKind::kVideo, std::move(frame), i * 33).ok())
        std::abort();
    }
    bytes += static_cast<int64_t>((*writer)->Finish()->bytes);
  }
  state.SetItemsProcessed(state.iterations() * 90);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SegmentWriter);

// The finaliser's ZIP: three 16 MiB segment files, written with room for
// their entry headers as a recording writes them, and a manifest become one
// ZIP (the largest in place, the others copied after it). The files are made
// again outside the timing each time round, since the ZIP takes them.
void BM_Finaliser(benchmark::State& state) {
  const std::string folder = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                             "/rtparchive-finaliser-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(folder);
  const std::vector<uint8_t> media(16 << 20, 0x5a);
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<archive::ZipEntry> entries;
    for (int i = 0; i < 3; ++i) {
      const std::string name = "stream-" + std::to_string(i) + ".webm";
      const std::string path = folder + "/" + name;
      const uint64_t room = archive::LocalHeaderBytes(name);
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file.seekp(static_cast<std::streamoff>(room));
      file.write(reinterpret_cast<const char*>(media.data()), static_cast<std::streamsize>(media.size() - i));
      file.close();
      entries.push_back(archive::ZipEntry::FromFile(name, path, room, media.size() - i));
    }
    entries.push_back(archive::ZipEntry::FromText("manifest.json", "{}"));
    state.ResumeTiming();
    if (!archive::WriteZip(folder + "/archive.zip", entries, 1'700'000'000'000).ok()) {
      state.SkipWithError("the ZIP could not be written");
      break;
    }
    bytes += 3 * static_cast<int64_t>(media.size());
  }
  state.SetBytesProcessed(bytes);
  std::filesystem::remove_all(folder);
}
BENCHMARK(BM_Finaliser)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rtparchive

BENCHMARK_MAIN();
