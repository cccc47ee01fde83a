// Hostile input through the API a recording node feeds from the network:
// each case ends with a counted, logged drop (or a bridged, counted jump),
// never a crash, a hang or memory that grows with the attack. The pcap
// cases (snaplen-cut records, a record longer than the file) are in
// tests/unit/ingest; each parser's fuzz target is in tests/fuzz.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rtparchive/archive.h"
#include "test_packets.h"

namespace rtparchive {
namespace {

using ::testing::HasSubstr;
using test::Rtp;

constexpr int kH264 = 102;
constexpr uint32_t kSsrc = 9;
constexpr int64_t kStart = 1'700'000'000'000'000;

class HostileInputTest : public ::testing::Test {
 protected:
  void Start(const std::string& name, VideoCodec codec = VideoCodec::kVp8) {
    ArchiveOptions options;
    options.id = "0d5b6e0a-0000-4000-8000-000000000004";
    options.output_path = ::testing::TempDir() + "/hostile-" + name + ".zip";
    std::filesystem::remove_all(options.output_path);
    std::filesystem::remove_all(options.output_path + ".parts");
    options.video_codec = codec;
    options.on_log = [this](absl::string_view line) { log_.emplace_back(line); };
    auto archive = Archive::Start(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
    StreamOptions stream;
    stream.stream_id = "attacked";
    stream.payload_types = {{test::kVp8, {PayloadFormat::kVp8, 90000}},
                            {test::kOpus, {PayloadFormat::kOpus, 48000}},
                            {kH264, {PayloadFormat::kH264, 90000}}};
    ASSERT_TRUE(archive_->AddStream(stream).ok());
  }
  void Push(const std::vector<uint8_t>& packet, int64_t at_us = 0) {
    ASSERT_TRUE(archive_->PushPacket("attacked", packet, kStart + at_us).ok());
  }
  // Some good VP8 after the attack: recording goes on.
  void PushGoodVideo(uint16_t first_seq, int64_t from_us) {
    for (int i = 0; i < 5; ++i) {
      Push(Rtp(test::kVp8, first_seq + i, 900'000 + 3000 * i, kSsrc, true, test::Vp8Frame(i == 0, i)),
           from_us + i * 33'333);
    }
  }
  ArchiveResult Stop() {
    auto result = archive_->Stop();
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : ArchiveResult();
  }
  bool Logged(const std::string& reason) const {
    for (const std::string& line : log_) {
      if (line.find("(" + reason + ")") != std::string::npos) return true;
    }
    return false;
  }
  static int64_t StreamDrops(const ArchiveResult& result, const std::string& reason) {
    auto count = result.streams[0].packets_dropped.find(reason);
    return count == result.streams[0].packets_dropped.end() ? 0 : count->second;
  }
  static const TrackCounters* Track(const ArchiveResult& result, uint32_t ssrc) {
    for (const TrackCounters& track : result.streams[0].tracks) {
      if (track.ssrc == ssrc) return &track;
    }
    return nullptr;
  }

  std::unique_ptr<Archive> archive_;
  std::vector<std::string> log_;
};

TEST_F(HostileInputTest, RtpPaddingPastThePacketEnd) {
  Start("padding");
  std::vector<uint8_t> packet = Rtp(test::kVp8, 1, 0, kSsrc, true, test::Vp8Frame(true, 1));
  packet[0] |= 0x20;
  packet.back() = 200;  // pad count beyond the packet
  Push(packet);
  PushGoodVideo(2, 33'333);
  const ArchiveResult result = Stop();
  EXPECT_EQ(StreamDrops(result, "rtp_bad_padding"), 1);
  EXPECT_TRUE(Logged("rtp_bad_padding"));
  EXPECT_EQ(Track(result, kSsrc)->frames_written, 5);
}

TEST_F(HostileInputTest, HeaderExtensionLengthPastThePacketEnd) {
  Start("extension");
  std::vector<uint8_t> packet = Rtp(test::kVp8, 1, 0, kSsrc, true, {0xbe, 0xde, 0x40, 0x00});
  packet[0] |= 0x10;  // X=1: the "payload" is an extension header claiming 16 Ki words
  Push(packet);
  const ArchiveResult result = Stop();
  EXPECT_EQ(StreamDrops(result, "rtp_extension_past_end"), 1);
  EXPECT_TRUE(Logged("rtp_extension_past_end"));
}

TEST_F(HostileInputTest, CsrcCountOverrun) {
  Start("csrc");
  std::vector<uint8_t> packet = Rtp(test::kVp8, 1, 0, kSsrc, true, {0, 0, 0, 1});
  packet[0] |= 0x0f;  // 15 CSRCs in a 16-byte packet
  Push(packet);
  const ArchiveResult result = Stop();
  EXPECT_EQ(StreamDrops(result, "rtp_csrc_past_end"), 1);
  EXPECT_TRUE(Logged("rtp_csrc_past_end"));
}

TEST_F(HostileInputTest, Vp8DescriptorsCutAfterAnyByte) {
  Start("vp8-cut");
  // X=1, I=1, L=1, T=1, K=1, M=1: the longest descriptor, cut after each byte.
  const std::vector<uint8_t> descriptor = {0x90, 0xf0, 0x80, 0x01, 0x02, 0x03};
  Push(Rtp(test::kVp8, 1, 0, kSsrc, true, test::Vp8Frame(true, 0)));
  for (size_t cut = 1; cut <= descriptor.size(); ++cut) {
    Push(Rtp(test::kVp8, static_cast<uint16_t>(1 + cut), 3000 * cut, kSsrc, true,
             std::vector<uint8_t>(descriptor.begin(), descriptor.begin() + cut)),
         static_cast<int64_t>(cut) * 1000);
  }
  const ArchiveResult result = Stop();
  const TrackCounters* track = Track(result, kSsrc);
  ASSERT_NE(track, nullptr);
  int64_t dropped = 0;
  for (const auto& [reason, count] : track->packets_dropped) dropped += count;
  EXPECT_EQ(dropped, static_cast<int64_t>(descriptor.size()));
  EXPECT_TRUE(Logged("truncated_payload_descriptor"));
  EXPECT_EQ(track->frames_written, 1);
}

TEST_F(HostileInputTest, H264StapALengthsPastTheEnd) {
  Start("stap", VideoCodec::kH264);
  // STAP-A (type 24) whose first unit claims 0x4000 bytes.
  Push(Rtp(kH264, 1, 0, kSsrc, true, {0x78, 0x40, 0x00, 0x67, 0x42}));
  const ArchiveResult result = Stop();
  const TrackCounters* track = Track(result, kSsrc);
  ASSERT_NE(track, nullptr);
  EXPECT_EQ(track->packets_dropped.at("truncated_aggregate"), 1);
  EXPECT_TRUE(Logged("truncated_aggregate"));
}

TEST_F(HostileInputTest, FuAFragmentsInterleavedFromTwoNalUnits) {
  Start("fua", VideoCodec::kH264);
  // FU-A (type 28) of NAL A starts, NAL B starts inside it, then both end.
  Push(Rtp(kH264, 1, 0, kSsrc, false, {0x7c, 0x85, 0xaa}));
  Push(Rtp(kH264, 2, 0, kSsrc, false, {0x7c, 0x81, 0xbb}));
  Push(Rtp(kH264, 3, 0, kSsrc, false, {0x7c, 0x45, 0xcc}));
  Push(Rtp(kH264, 4, 0, kSsrc, true, {0x7c, 0x41, 0xdd}));
  const ArchiveResult result = Stop();
  const TrackCounters* track = Track(result, kSsrc);
  ASSERT_NE(track, nullptr);
  EXPECT_EQ(track->frames_dropped.at("incomplete"), 1);
  EXPECT_TRUE(Logged("incomplete"));
  EXPECT_EQ(track->frames_written, 0);
}

TEST_F(HostileInputTest, AFrameThatGrowsWithoutAMarker) {
  Start("growing", VideoCodec::kH264);
  // FU-A middles of one NAL unit, 1 KiB each, never ending: more than the
  // 8 MiB frame cap, so the frame is dropped, not kept growing.
  std::vector<uint8_t> middle(1024, 0x55);
  middle[0] = 0x7c;
  middle[1] = 0x05;
  std::vector<uint8_t> start = middle;
  start[1] = 0x85;
  Push(Rtp(kH264, 0, 0, kSsrc, false, start));
  for (int i = 1; i < 9000; ++i) Push(Rtp(kH264, static_cast<uint16_t>(i), 0, kSsrc, false, middle), i);
  const ArchiveResult result = Stop();
  const TrackCounters* track = Track(result, kSsrc);
  ASSERT_NE(track, nullptr);
  EXPECT_GE(track->frames_dropped.at("too_large"), 1);
  EXPECT_TRUE(Logged("too_large"));
}

TEST_F(HostileInputTest, ThousandsOfSsrcs) {
  Start("flood");
  for (uint32_t ssrc = 1; ssrc <= 5000; ++ssrc) {
    Push(Rtp(test::kOpus, 1, 0, ssrc, false, {0xfc, 0x01}), ssrc);
  }
  const ArchiveResult result = Stop();
  EXPECT_LE(result.streams[0].tracks.size(), 16u);  // tracks, and their buffers, are capped
  EXPECT_GT(StreamDrops(result, "too_many_ssrcs") + StreamDrops(result, "replaced_ssrc"), 4900);
  EXPECT_TRUE(Logged("too_many_ssrcs") || Logged("replaced_ssrc"));
}

TEST_F(HostileInputTest, TimestampsThatJumpBackAndForth) {
  Start("jumps");
  // Every other frame's RTP time is 10 hours off; arrival time runs evenly.
  for (int i = 0; i < 20; ++i) {
    const uint32_t timestamp = 3000u * i + (i % 2 ? 90000u * 36000 : 0u);
    Push(Rtp(test::kVp8, i, timestamp, kSsrc, true, test::Vp8Frame(i == 0, i)), i * 33'333);
  }
  const ArchiveResult result = Stop();
  const TrackCounters* track = Track(result, kSsrc);
  ASSERT_NE(track, nullptr);
  EXPECT_EQ(track->frames_written, 20);
  EXPECT_GE(track->timestamp_jumps, 19);
  ASSERT_EQ(result.files.size(), 1u);
  EXPECT_LT(result.files[0].stop_time_offset_ms, 2000);  // bridged by arrival time, not hours
}

}  // namespace
}  // namespace rtparchive
