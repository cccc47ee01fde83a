// What a new SSRC means for a stream's segments: a simulcast layer or a new
// source of one kind never ends the other kind's track; only a publisher
// whose SSRCs all fell silent and came back on new ones starts a segment.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rtparchive/archive.h"
#include "test_packets.h"

namespace rtparchive {
namespace {

using test::kOpus;
using test::kVp8;
using test::Rtp;
using test::Vp8Frame;

constexpr int64_t kT0 = 1'700'000'000'000'000;

class SsrcChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ArchiveOptions options;
    options.id = "0d5b6e0a-0000-4000-8000-000000000002";
    options.session_id = "session";
    options.output_path = ::testing::TempDir() + "/ssrc-change-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".zip";
    std::remove(options.output_path.c_str());
    auto archive = Archive::Start(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    archive_ = std::move(*archive);
    StreamOptions stream;
    stream.stream_id = "s";
    stream.payload_types = {{kVp8, {PayloadFormat::kVp8, 90000}},
                            {kOpus, {PayloadFormat::kOpus, 48000}}};
    ASSERT_TRUE(archive_->AddStream(stream).ok());
  }
  // Audio packet `n` of `ssrc` (20 ms each) at kT0 + at_ms.
  void Audio(uint32_t ssrc, int n, int64_t at_ms) {
    ASSERT_TRUE(
        archive_
            ->PushPacket("s", Rtp(kOpus, static_cast<uint16_t>(n), 960u * n, ssrc, false, {0xfc}),
                         kT0 + at_ms * 1000)
            .ok());
  }
  // Video frame `n` of `ssrc` (one packet, 100 ms each) at kT0 + at_ms.
  void Video(uint32_t ssrc, int n, int64_t at_ms, bool keyframe) {
    ASSERT_TRUE(archive_
                    ->PushPacket("s",
                                 Rtp(kVp8, static_cast<uint16_t>(n), 9000u * n, ssrc, true,
                                     Vp8Frame(keyframe, static_cast<uint8_t>(n))),
                                 kT0 + at_ms * 1000)
                    .ok());
  }
  const TrackCounters* Track(const ArchiveResult& result, uint32_t ssrc) {
    for (const TrackCounters& track : result.streams[0].tracks) {
      if (track.ssrc == ssrc) return &track;
    }
    return nullptr;
  }
  std::unique_ptr<Archive> archive_;
};

TEST_F(SsrcChangeTest, ANewVideoSsrcWhileTheAudioGoesOnKeepsTheSegmentAndEveryAudioFrame) {
  // Video on SSRC 1 for 1 s, then on SSRC 2 (say the publisher's camera was
  // replaced); the audio on SSRC 9 never stops.
  for (int n = 0; n < 100; ++n) {
    Audio(9, n, n * 20);
    if (n % 5 == 0 && n < 50) Video(1, n / 5, n * 20, n == 0);
    if (n % 5 == 0 && n >= 50) Video(2, n / 5, n * 20, n == 50);
  }
  auto result = archive_->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 1u);
  ASSERT_NE(Track(*result, 9), nullptr);
  EXPECT_EQ(Track(*result, 9)->frames_written, 100);
  ASSERT_NE(Track(*result, 2), nullptr);
  EXPECT_TRUE(Track(*result, 2)->layer);
  EXPECT_EQ(Track(*result, 1)->frames_written, 10);
  EXPECT_EQ(Track(*result, 2)->frames_written, 10);
  EXPECT_TRUE(result->streams[0].packets_dropped.empty());
}

TEST_F(SsrcChangeTest, ANewAudioSsrcWhileTheVideoGoesOnTakesOverTheAudioTrack) {
  for (int n = 0; n < 100; ++n) {
    Audio(n < 50 ? 8 : 9, n, n * 20);
    if (n % 5 == 0) Video(1, n / 5, n * 20, n == 0);
  }
  Audio(8, 50, 2000);  // a straggler of the replaced source
  auto result = archive_->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 1u);
  EXPECT_EQ(Track(*result, 8)->frames_written + Track(*result, 9)->frames_written, 100);
  EXPECT_EQ(Track(*result, 1)->frames_written, 20);
  EXPECT_EQ(result->streams[0].packets_dropped.at("replaced_ssrc"), 1);
}

TEST_F(SsrcChangeTest, NewSsrcsAfterEverythingFellSilentStartANewSegment) {
  for (int n = 0; n < 50; ++n) {
    Audio(8, n, n * 20);
    if (n % 5 == 0) Video(1, n / 5, n * 20, n == 0);
  }
  // One second later (a reconnect, well before the stream counts as gone).
  for (int n = 0; n < 50; ++n) {
    if (n % 5 == 0) Video(2, n / 5, 2000 + n * 20, n == 0);
    Audio(9, n, 2000 + n * 20);
  }
  auto result = archive_->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 2u);
  EXPECT_EQ(result->files[1].filename, "s-1.webm");
  EXPECT_GE(result->files[1].start_time_offset_ms, result->files[0].stop_time_offset_ms);
  EXPECT_EQ(Track(*result, 9)->segment, 1);
  EXPECT_FALSE(Track(*result, 2)->layer);
}

}  // namespace
}  // namespace rtparchive
