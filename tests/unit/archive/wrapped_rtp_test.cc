// What real browsers send around the media, through the public API: VP8 in
// RED with ULPFEC, RTX retransmissions and padding probes, Opus in RED with
// redundancy, and video orientation in two-byte header extensions.
#include <cstring>
#include <filesystem>
#include <vector>

#include "gtest/gtest.h"
#include "rtparchive/archive.h"
#include "test_packets.h"
#include "test_zip.h"

namespace rtparchive {
namespace {

using test::kOpus;
using test::kVp8;
using test::Rtp;
using test::Vp8Frame;
using test::ZipEntry;

constexpr int kRed = 118;
constexpr int kUlpfec = 120;
constexpr int kRtx = 97;
constexpr int kAudioRed = 63;
constexpr int kOrientationId = 13;
constexpr uint32_t kVideoSsrc = 7, kRtxSsrc = 77, kAudioSsrc = 8;
constexpr int64_t kStart = 1'700'000'000'000'000;

// A one-block RED payload around `payload` (WebRTC's video wrapping).
std::vector<uint8_t> InRed(int payload_type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> red = {static_cast<uint8_t>(payload_type)};
  red.insert(red.end(), payload.begin(), payload.end());
  return red;
}

// An RTX packet carrying `original`'s payload after its sequence number.
std::vector<uint8_t> Rtx(uint16_t rtx_seq, const std::vector<uint8_t>& original) {
  std::vector<uint8_t> payload = {original[2], original[3]};
  payload.insert(payload.end(), original.begin() + 12, original.end());
  std::vector<uint8_t> packet = Rtp(kRtx, rtx_seq, 0, kRtxSsrc, original[1] & 0x80, payload);
  std::memcpy(&packet[4], &original[4], 4);  // the original's timestamp
  return packet;
}

// A padding-only RTX probe.
std::vector<uint8_t> Probe(uint16_t rtx_seq) {
  std::vector<uint8_t> packet = Rtp(kRtx, rtx_seq, 0, kRtxSsrc, false, {});
  packet[0] |= 0x20;
  packet.resize(packet.size() + 200, 0);
  packet.back() = 200;
  return packet;
}

// `packet` with a two-byte-form header extension (RFC 8285 §4.3) holding
// the video orientation.
std::vector<uint8_t> WithOrientation(std::vector<uint8_t> packet, int quarter_turns) {
  const std::vector<uint8_t> extension = {0x10, 0x00, 0, 1, kOrientationId, 1,
                                          static_cast<uint8_t>(quarter_turns), 0};
  packet[0] |= 0x10;
  packet.insert(packet.begin() + 12, extension.begin(), extension.end());
  return packet;
}

class WrappedRtpTest : public ::testing::Test {
 protected:
  void Start(const std::string& name, ArchiveCallbacks callbacks = {}) {
    ArchiveOptions options;
    options.id = "0d5b6e0a-0000-4000-8000-000000000002";
    options.output_path = ::testing::TempDir() + "/" + name + ".zip";
    std::remove(options.output_path.c_str());
    std::filesystem::remove_all(options.output_path + ".parts");
    zip_path_ = options.output_path;
    auto archive = Archive::Start(options, std::move(callbacks));
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
    StreamOptions stream;
    stream.stream_id = "browser";
    stream.payload_types = {{kVp8, {PayloadFormat::kVp8, 90000}},
                            {kRed, {PayloadFormat::kRed, 90000}},
                            {kUlpfec, {PayloadFormat::kUlpfec, 90000}},
                            {kOpus, {PayloadFormat::kOpus, 48000}},
                            {kAudioRed, {PayloadFormat::kRed, 48000}}};
    PayloadTypeInfo rtx(PayloadFormat::kRtx, 90000);
    rtx.associated_payload_type = kRed;
    stream.payload_types[kRtx] = rtx;
    stream.header_extensions = {{kOrientationId, kVideoOrientationExtension}};
    ASSERT_TRUE(archive_->AddStream(stream).ok());
  }
  void Push(const std::vector<uint8_t>& packet, int64_t at_us) {
    ASSERT_TRUE(archive_->PushPacket("browser", packet, kStart + at_us).ok());
  }
  // Stops the archive; returns the track of `ssrc`.
  TrackCounters StopAndGetTrack(uint32_t ssrc) {
    auto result = archive_->Stop();
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return {};
    result_ = std::move(*result);
    for (const TrackCounters& track : result_.streams[0].tracks) {
      if (track.ssrc == ssrc) return track;
    }
    ADD_FAILURE() << "no track for ssrc " << ssrc;
    return {};
  }
  // The ten RED-wrapped VP8 frames (a keyframe first), one packet each.
  std::vector<std::vector<uint8_t>> RedVideo(int first_seq, int seq_step) {
    std::vector<std::vector<uint8_t>> packets;
    for (int i = 0; i < 10; ++i) {
      packets.push_back(Rtp(kRed, first_seq + i * seq_step, 3000 * i, kVideoSsrc, true,
                            InRed(kVp8, Vp8Frame(i == 0, i))));
    }
    return packets;
  }

  std::unique_ptr<Archive> archive_;
  std::string zip_path_;
  ArchiveResult result_;
};

TEST_F(WrappedRtpTest, VideoInRedWithFecBetweenFramesLosesNothing) {
  std::vector<std::string> requests;
  ArchiveCallbacks callbacks;
  callbacks.on_keyframe_needed = [&](const KeyframeRequest& r) { requests.push_back(r.reason); };
  Start("red-fec", callbacks);
  const auto video = RedVideo(100, 2);
  for (int i = 0; i < 10; ++i) {
    Push(video[i], i * 33'333);
    // The FEC packet protecting frame i takes the next sequence number.
    Push(Rtp(kRed, 101 + 2 * i, 3000 * i, kVideoSsrc, false, InRed(kUlpfec, {0x80, 0, 1, 2})),
         i * 33'333 + 1);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.payload_type, kVp8);
  EXPECT_EQ(track.frames_written, 10);
  EXPECT_EQ(track.packets_lost, 0);
  EXPECT_EQ(track.fec_packets, 10);
  EXPECT_TRUE(track.frames_dropped.empty());
  EXPECT_EQ(requests, std::vector<std::string>{"start"});
  ASSERT_EQ(result_.files.size(), 1u);
}

TEST_F(WrappedRtpTest, RtxRepairsAHoleAndAnUnneededOneChangesNothing) {
  std::vector<std::string> requests;
  ArchiveCallbacks callbacks;
  callbacks.on_keyframe_needed = [&](const KeyframeRequest& r) { requests.push_back(r.reason); };
  Start("rtx-repair", callbacks);
  const auto video = RedVideo(100, 1);
  for (int i = 0; i < 10; ++i) {
    if (i != 5) Push(video[i], i * 33'333);
    // The receiver asked (NACK) and the sender resent frame 5 on its RTX SSRC,
    // within the reorder buffer's wait; then resent frame 3, which was there.
    if (i == 6) Push(Rtx(1, video[5]), i * 33'333 + 10'000);
    if (i == 7) Push(Rtx(2, video[3]), i * 33'333 + 10'000);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.frames_written, 10);
  EXPECT_EQ(track.packets_lost, 0);
  EXPECT_EQ(track.packets, 9);
  EXPECT_EQ(track.packets_retransmitted, 2);
  EXPECT_EQ(track.retransmissions_unneeded, 1);
  EXPECT_EQ(track.packets_duplicate, 0);
  EXPECT_EQ(requests, std::vector<std::string>{"start"});
  EXPECT_EQ(result_.streams[0].tracks.size(), 1u);  // the RTX SSRC is no track of its own
}

TEST_F(WrappedRtpTest, WithoutTheRetransmissionTheHoleIsALoss) {
  Start("rtx-none");
  const auto video = RedVideo(100, 1);
  for (int i = 0; i < 10; ++i) {
    if (i != 5) Push(video[i], i * 33'333);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.packets_lost, 1);
  EXPECT_LT(track.frames_written, 10);
}

TEST_F(WrappedRtpTest, PaddingOnlyRtxProbesAreCountedAndIgnored) {
  Start("rtx-probes");
  for (int i = 0; i < 5; ++i) Push(Probe(i), i * 1000);  // before any media, as Chromium does
  const auto video = RedVideo(100, 1);
  for (int i = 0; i < 10; ++i) {
    Push(video[i], 10'000 + i * 33'333);
    Push(Probe(5 + i), 10'001 + i * 33'333);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.frames_written, 10);
  EXPECT_EQ(track.packets_retransmitted, 0);
  EXPECT_EQ(result_.streams[0].rtx_padding_packets, 15);
  EXPECT_EQ(result_.streams[0].tracks.size(), 1u);
  EXPECT_EQ(result_.files.size(), 1u);  // no reconnect, no second segment
}

// Opus in RED: packet k carries frame k-1 as a redundant block (960 ticks old).
std::vector<uint8_t> AudioRed(int k) {
  const std::vector<uint8_t> payload = {0x80 | kOpus, 960 >> 6, (960 & 0x3f) << 2, 2,
                                        kOpus, 0xfc, static_cast<uint8_t>(k - 1), 0xfc,
                                        static_cast<uint8_t>(k)};
  return Rtp(kAudioRed, 500 + k, 960 * k, kAudioSsrc, false, payload);
}

TEST_F(WrappedRtpTest, AudioRedundancyFillsALostPacket) {
  Start("audio-red");
  for (int k = 1; k <= 10; ++k) {
    if (k != 5) Push(AudioRed(k), k * 20'000);
  }
  const TrackCounters track = StopAndGetTrack(kAudioSsrc);
  EXPECT_EQ(track.packets_lost, 1);
  EXPECT_EQ(track.frames_recovered, 1);
  EXPECT_EQ(track.frames_written, 10);
  EXPECT_EQ(track.frames_dropped.count("lost_entirely"), 0u);
}

TEST_F(WrappedRtpTest, OneRedundantBlockCannotFillTwoLostPackets) {
  Start("audio-red-two");
  for (int k = 1; k <= 10; ++k) {
    if (k != 5 && k != 6) Push(AudioRed(k), k * 20'000);
  }
  const TrackCounters track = StopAndGetTrack(kAudioSsrc);
  EXPECT_EQ(track.frames_recovered, 1);  // frame 6, from packet 7
  EXPECT_EQ(track.frames_written, 9);
  EXPECT_EQ(track.frames_dropped.at("lost_entirely"), 1);
}

// The value of the first EBML float element `id` (2-byte ID) in `bytes`.
std::optional<double> FindFloatElement(const std::vector<uint8_t>& bytes, uint8_t id0, uint8_t id1) {
  for (size_t i = 0; i + 3 < bytes.size(); ++i) {
    if (bytes[i] != id0 || bytes[i + 1] != id1) continue;
    const size_t size = bytes[i + 2] & 0x7f;  // 1-byte size field
    if ((bytes[i + 2] & 0x80) == 0 || i + 3 + size > bytes.size()) continue;
    uint64_t raw = 0;
    for (size_t b = 0; b < size; ++b) raw = raw << 8 | bytes[i + 3 + b];
    if (size == 4) {
      float value;
      const uint32_t narrow = static_cast<uint32_t>(raw);
      std::memcpy(&value, &narrow, 4);
      return value;
    }
    if (size == 8) {
      double value;
      std::memcpy(&value, &raw, 8);
      return value;
    }
  }
  return std::nullopt;
}


TEST_F(WrappedRtpTest, OrientationFromTwoByteExtensionsIsRecordedAndCounted) {
  Start("orientation");
  for (int i = 0; i < 10; ++i) {
    // A phone turned: 90 degrees for five frames, then 180.
    Push(WithOrientation(Rtp(kVp8, 100 + i, 3000 * i, kVideoSsrc, true, Vp8Frame(i == 0, i)),
                         i < 5 ? 1 : 2),
         i * 33'333);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.frames_written, 10);
  EXPECT_EQ(track.rotation_degrees, 90);
  EXPECT_EQ(track.rotation_changes, 1);
  ASSERT_EQ(result_.files.size(), 1u);
  // Matroska ProjectionPoseRoll (0x7675) turns counter-clockwise: -90.
  const std::vector<uint8_t> file = ZipEntry(zip_path_, result_.files[0].filename);
  EXPECT_EQ(FindFloatElement(file, 0x76, 0x75), -90.0);
}

TEST_F(WrappedRtpTest, NoOrientationExtensionNoProjection) {
  Start("no-orientation");
  for (int i = 0; i < 3; ++i) {
    Push(Rtp(kVp8, 100 + i, 3000 * i, kVideoSsrc, true, Vp8Frame(i == 0, i)), i * 33'333);
  }
  const TrackCounters track = StopAndGetTrack(kVideoSsrc);
  EXPECT_EQ(track.rotation_degrees, -1);
  EXPECT_EQ(FindFloatElement(ZipEntry(zip_path_, result_.files[0].filename), 0x76, 0x75),
            std::nullopt);
}

}  // namespace
}  // namespace rtparchive
