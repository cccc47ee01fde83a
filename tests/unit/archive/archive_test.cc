// Over 400 lines: every test here drives the public Archive API the way a
// node does, with the same hand-built RTP helpers at the top; the other
// archive/ units have files of their own.
// The public API as a recording node uses it, with hand-built RTP.
#include "rtparchive/archive.h"

#include <sys/stat.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "container/webm_reader.h"
#include "test_packets.h"
#include "test_zip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive {
namespace {

using ::testing::HasSubstr;
using test::kOpus;
using test::kVp8;
using test::Rtp;
using test::Vp8Frame;
using test::ZipEntry;


std::string AsText(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

class ArchiveTest : public ::testing::Test {
 protected:
  ArchiveOptions Options(const std::string& name) {
    ArchiveOptions options;
    options.id = "0d5b6e0a-0000-4000-8000-000000000001";
    options.session_id = "session";
    options.partner_id = 42;
    options.output_path = ::testing::TempDir() + "/" + name + ".zip";
    std::remove(options.output_path.c_str());
    // An archive a test does not stop leaves its working folder behind.
    std::filesystem::remove_all(options.output_path + ".parts");
    return options;
  }
  StreamOptions Stream(const std::string& id) {
    StreamOptions stream;
    stream.stream_id = id;
    stream.connection_data = "user=1";
    stream.payload_types = {{kVp8, {PayloadFormat::kVp8, 90000}},
                            {kOpus, {PayloadFormat::kOpus, 48000}}};
    return stream;
  }
};

TEST_F(ArchiveTest, RecordsPushedPacketsIntoAZipWithAManifest) {
  std::vector<KeyframeRequest> requests;
  ArchiveCallbacks callbacks;
  callbacks.on_keyframe_needed = [&](const KeyframeRequest& r) { requests.push_back(r); };
  auto archive = Archive::Start(Options("basic"), callbacks);
  ASSERT_TRUE(archive.ok()) << archive.status();
  ASSERT_TRUE((*archive)->AddStream(Stream("stream-a")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  for (int i = 0; i < 10; ++i) {
    const int64_t at = t0 + i * 33'333;
    ASSERT_TRUE(
        (*archive)
            ->PushPacket("stream-a", Rtp(kVp8, 100 + i, 3000 * i, 7, true, Vp8Frame(i == 0, i)), at)
            .ok());
    ASSERT_TRUE(
        (*archive)
            ->PushPacket("stream-a", Rtp(kOpus, 500 + i, 960 * i, 8, false, {0xfc, uint8_t(i)}), at)
            .ok());
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 1u);
  EXPECT_EQ(result->files[0].filename, "stream-a.webm");
  EXPECT_EQ(result->created_at_ms, t0 / 1000);
  EXPECT_THAT(result->manifest_json, HasSubstr("\"partnerId\": 42"));
  EXPECT_THAT(result->manifest_json, HasSubstr("\"connectionData\": \"user=1\""));
  ASSERT_EQ(result->streams.size(), 1u);
  for (const TrackCounters& track : result->streams[0].tracks) EXPECT_EQ(track.frames_written, 10);
  ASSERT_EQ(requests.size(), 1u);  // the video track's start
  EXPECT_EQ(requests[0].reason, "start");
  EXPECT_EQ(requests[0].ssrc, 7u);
  struct stat info;
  EXPECT_EQ(::stat(result->zip_path.c_str(), &info), 0);
  EXPECT_NE(::stat((result->zip_path + ".parts").c_str(), &info), 0);  // cleaned up
}

TEST_F(ArchiveTest, VideoAfterALossWaitsForAKeyframeAndAsksForOne) {
  std::vector<KeyframeRequest> requests;
  ArchiveCallbacks callbacks;
  callbacks.on_keyframe_needed = [&](const KeyframeRequest& r) { requests.push_back(r); };
  ArchiveOptions options = Options("loss");
  options.reorder_max_wait_us = 0;
  auto archive = Archive::Start(options, callbacks);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("s")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  // Frames 0..9; the packet of frame 3 is lost; frame 7 is a keyframe.
  for (int i = 0; i < 10; ++i) {
    if (i == 3) continue;
    ASSERT_TRUE((*archive)
                    ->PushPacket("s",
                                 Rtp(kVp8, i, 3000 * i, 7, true, Vp8Frame(i == 0 || i == 7, i)),
                                 t0 + i * 33'333)
                    .ok());
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  const TrackCounters& video = result->streams[0].tracks[0];
  EXPECT_EQ(video.packets_lost, 1);
  EXPECT_EQ(video.frames_written, 6);                             // 0,1,2 and 7,8,9
  EXPECT_EQ(video.frames_dropped.at("waiting_for_keyframe"), 3);  // 4,5,6
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].reason, "loss");
}

TEST_F(ArchiveTest, PacketsKeptForReorderingAreCopiedOutOfTheCallersBuffer) {
  auto archive = Archive::Start(Options("reordered"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("s")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  std::vector<std::vector<uint8_t>> expected;
  std::vector<uint8_t> buffer;  // the caller's, reused and overwritten after every push
  for (int i = 0; i < 6; ++i) {
    // Three packets a frame, the second sent first (after the first frame,
    // which sets where the sequence starts): it waits in the reorder buffer
    // while the caller's buffer is reused.
    const std::vector<uint8_t> first = Vp8Frame(i == 0, uint8_t(i));
    const std::vector<std::vector<uint8_t>> payloads = {
        first, {0x00, uint8_t(10 * i), 1, 2}, {0x00, uint8_t(10 * i), 3, 4, 5}};
    std::vector<uint8_t> frame(first.begin() + 1, first.end());
    for (int p = 1; p < 3; ++p) frame.insert(frame.end(), payloads[p].begin() + 1, payloads[p].end());
    expected.push_back(frame);
    for (int p : i == 0 ? std::vector<int>{0, 1, 2} : std::vector<int>{1, 0, 2}) {
      buffer = Rtp(kVp8, uint16_t(3 * i + p), 3000 * i, 7, p == 2, payloads[p]);
      ASSERT_TRUE((*archive)->PushPacket("s", buffer, t0 + i * 33'333 + p).ok());
      std::fill(buffer.begin(), buffer.end(), 0xee);
    }
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  auto file = container::ReadWebm(ZipEntry(result->zip_path, "s.webm"));
  ASSERT_TRUE(file.ok()) << file.status();
  std::vector<std::vector<uint8_t>> written;
  for (const auto& frame : file->frames) written.push_back(frame.data);
  EXPECT_EQ(written, expected);
}

TEST_F(ArchiveTest, AnArchiveItReplacesStaysWholeUntilTheNewOneIsDone) {
  const ArchiveOptions options = Options("replaced");
  const std::string old_contents(100000, 'o');
  {
    std::ofstream old(options.output_path, std::ios::binary);
    old << old_contents;
  }
  auto archive = Archive::Start(options);  // drops the old file's cached pages, nothing more
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("s")).ok());
  ASSERT_TRUE((*archive)->PushPacket("s", Rtp(kVp8, 1, 0, 7, true, Vp8Frame(true, 1)), 1'000'000).ok());
  {
    std::ifstream old(options.output_path, std::ios::binary);
    const std::string read((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
    EXPECT_EQ(read, old_contents);
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(ZipEntry(result->zip_path, "s.webm").empty());
}

TEST_F(ArchiveTest, StreamWithoutMediaGetsNoFile) {
  auto archive = Archive::Start(Options("empty"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("quiet")).ok());
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->files.empty());
  EXPECT_THAT(result->manifest_json, HasSubstr("\"files\": []"));
}

TEST_F(ArchiveTest, RejectsIdsThatCannotBeFileNames) {
  ArchiveOptions bad = Options("bad");
  bad.id = "../escape";
  EXPECT_EQ(Archive::Start(bad).status().code(), absl::StatusCode::kInvalidArgument);
  auto archive = Archive::Start(Options("names"));
  ASSERT_TRUE(archive.ok());
  for (const char* id : {"", "../x", "a/b", ".hidden", "tab\there"}) {
    EXPECT_EQ((*archive)->AddStream(Stream(id)).code(), absl::StatusCode::kInvalidArgument) << id;
  }
  EXPECT_TRUE((*archive)->AddStream(Stream("ok-1")).ok());
  EXPECT_EQ((*archive)->AddStream(Stream("ok-1")).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ArchiveTest, UnknownStreamAndStoppedArchiveAreErrors) {
  auto archive = Archive::Start(Options("errors"));
  ASSERT_TRUE(archive.ok());
  const std::vector<uint8_t> packet = Rtp(kVp8, 1, 1, 1, true, Vp8Frame(true, 0));
  absl::Status unknown = (*archive)->PushPacket("nobody", packet, 0);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("AddStream"));
  auto first = (*archive)->Stop();
  ASSERT_TRUE(first.ok());
  auto again = (*archive)->Stop();  // the same archive, not a second one
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->manifest_json, first->manifest_json);
  EXPECT_EQ((*archive)->PushPacket("nobody", packet, 0).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*archive)->AddStream(Stream("late")).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ArchiveTest, GarbagePacketsAreCountedNotFatal) {
  auto archive = Archive::Start(Options("garbage"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("g")).ok());
  const std::vector<std::vector<uint8_t>> garbage = {
      {}, {0x80}, {0x8f, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}, {0x81, 200, 0xff, 0xff, 1, 2, 3, 4}};
  for (const auto& packet : garbage) EXPECT_TRUE((*archive)->PushPacket("g", packet, 0).ok());
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  int64_t dropped = 0;
  for (const auto& [reason, count] : result->streams[0].packets_dropped) dropped += count;
  EXPECT_EQ(dropped, 4);
}

// Pushes `count` Opus packets, 20 ms apart from `start_us`, on `ssrc`.
void PushAudio(Archive& archive, const std::string& stream, uint32_t ssrc, int count,
               int64_t start_us) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(archive
                    .PushPacket(stream, Rtp(kOpus, i, 960 * i, ssrc, false, {0xfc, uint8_t(i)}),
                                start_us + i * 20'000)
                    .ok());
  }
}

TEST_F(ArchiveTest, RemovedAndAddedAgainGivesIndexedSegmentFiles) {
  auto archive = Archive::Start(Options("manual"));
  ASSERT_TRUE(archive.ok());
  const int64_t t0 = 1'700'000'000'000'000;
  ASSERT_TRUE((*archive)->AddStream(Stream("m")).ok());
  PushAudio(**archive, "m", 1, 50, t0);
  ASSERT_TRUE((*archive)->RemoveStream("m").ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("m")).ok());
  PushAudio(**archive, "m", 1, 50, t0 + 5'000'000);
  ASSERT_TRUE((*archive)->RemoveStream("m").ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("m")).ok());  // nothing comes: no third file
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 2u);
  EXPECT_EQ(result->files[0].filename, "m.webm");
  EXPECT_EQ(result->files[1].filename, "m-1.webm");
  EXPECT_EQ(result->files[1].start_time_offset_ms, 5000);
  EXPECT_EQ(result->files[1].stop_time_offset_ms, 5000 + 49 * 20);
}

// write_zip off (a node that streams the ZIP): no ZIP file, the segment
// files stay as the pieces' sources, and the pieces are the ZIP a reader
// takes (both segments, the manifest).
TEST_F(ArchiveTest, WithoutWritingTheZipItIsGivenAsPieces) {
  ArchiveOptions options = Options("pieces");
  options.write_zip = false;
  auto archive = Archive::Start(options);
  ASSERT_TRUE(archive.ok());
  const int64_t t0 = 1'700'000'000'000'000;
  ASSERT_TRUE((*archive)->AddStream(Stream("m")).ok());
  PushAudio(**archive, "m", 1, 50, t0);
  ASSERT_TRUE((*archive)->RemoveStream("m").ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("m")).ok());
  PushAudio(**archive, "m", 1, 50, t0 + 5'000'000);
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->zip_path.empty());
  EXPECT_FALSE(std::filesystem::exists(options.output_path));
  std::string joined;
  int files = 0;
  for (const ZipPiece& piece : result->zip_pieces) {
    if (piece.path.empty()) {
      joined += piece.bytes;
      continue;
    }
    ++files;
    std::ifstream in(piece.path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(bytes.size(), piece.offset + piece.size) << piece.path;
    joined += bytes.substr(piece.offset, piece.size);
  }
  EXPECT_EQ(files, 2);
  EXPECT_EQ(joined.size(), result->zip_size);
  const std::string zip_path = options.output_path + ".joined";
  std::ofstream(zip_path, std::ios::binary) << joined;
  EXPECT_FALSE(ZipEntry(zip_path, "m.webm").empty());
  EXPECT_FALSE(ZipEntry(zip_path, "m-1.webm").empty());
  EXPECT_THAT(AsText(ZipEntry(zip_path, options.id + ".json")), HasSubstr("\"m-1.webm\""));
  std::filesystem::remove_all(options.output_path + ".parts");
  std::remove(zip_path.c_str());
}

TEST_F(ArchiveTest, AStreamSilentPastTheTimeoutResumesInANewSegment) {
  ArchiveOptions options = Options("gone");
  options.stream_gone_after_us = 2'000'000;
  auto archive = Archive::Start(options);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("g")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  PushAudio(**archive, "g", 5, 10, t0);
  // The same SSRC, 1.5 s later (a mute, not gone), then 3 s later (gone).
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*archive)
                    ->PushPacket("g", Rtp(kOpus, 10 + i, 960 * (85 + i), 5, false, {0xfc}),
                                 t0 + 1'700'000 + i * 20'000)
                    .ok());
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*archive)
                    ->PushPacket("g", Rtp(kOpus, 20 + i, 960 * (300 + i), 5, false, {0xfc}),
                                 t0 + 6'000'000 + i * 20'000)
                    .ok());
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 2u);
  EXPECT_EQ(result->files[0].stop_time_offset_ms, (85 + 9) * 20);  // the mute is a gap inside
  EXPECT_EQ(result->files[1].filename, "g-1.webm");
  EXPECT_EQ(result->files[1].start_time_offset_ms, 6000);
}

TEST_F(ArchiveTest, PausesWhileNobodyPublishesAndStopsAfterAnHourOfIt) {
  std::vector<std::string> statuses;
  ArchiveCallbacks callbacks;
  callbacks.on_status = [&](const StatusChange& change) {
    statuses.push_back(std::string(ToString(change.status)) +
                       (change.reason.empty() ? "" : ": " + change.reason));
  };
  auto archive = Archive::Start(Options("pause"), callbacks);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("p")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  const int64_t minute = 60'000'000;
  PushAudio(**archive, "p", 1, 10, t0);
  ASSERT_TRUE((*archive)->AdvanceTime(t0 + minute).ok());  // silent: paused
  PushAudio(**archive, "p", 2, 10, t0 + 2 * minute);       // publishing again
  ASSERT_TRUE((*archive)->AdvanceTime(t0 + 3 * minute).ok());
  ASSERT_TRUE((*archive)->AdvanceTime(t0 + 62 * minute).ok());
  ASSERT_TRUE((*archive)->AdvanceTime(t0 + 64 * minute).ok());   // an hour paused: stops now
  EXPECT_FALSE((*archive)->AdvanceTime(t0 + 65 * minute).ok());  // and stays stopped
  EXPECT_THAT(statuses, ::testing::ElementsAre(
                            "paused: no stream is publishing", "started: a stream is publishing",
                            "paused: no stream is publishing",
                            "stopped: no stream published for 1 h", "available"));
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stop_reason, "no stream published for 1 h");
  EXPECT_EQ(result->files.size(), 2u);  // the second SSRC after a silence: a new segment
}

TEST_F(ArchiveTest, StopsAtTheRecordedTimeLimit) {
  ArchiveOptions options = Options("limit");
  options.limits.max_recorded_us = 2'000'000;  // 2 s, to keep the test small
  options.reorder_max_wait_us = 0;
  auto archive = Archive::Start(options);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("l")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  absl::Status status;
  int pushed = 0;
  for (; pushed < 500 && status.ok(); ++pushed) {
    status = (*archive)->PushPacket("l", Rtp(kOpus, pushed, 960 * pushed, 1, false, {0xfc}),
                                    t0 + pushed * 20'000);
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(pushed, 102);  // stopped by the packet at 2.00 s; the next one is refused
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stop_reason, "maximum recorded time of 0.000555556 h reached");
}

TEST_F(ArchiveTest, StreamsBeyondTheLimitAreNotRecordedAndListed) {
  ArchiveOptions options = Options("max-streams");
  options.limits.max_streams = 2;
  auto archive = Archive::Start(options);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("s1")).ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("s2")).ok());
  EXPECT_EQ((*archive)->AddStream(Stream("s3")).code(), absl::StatusCode::kResourceExhausted);
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->not_recorded.size(), 1u);
  EXPECT_EQ(result->not_recorded[0].stream_id, "s3");
  EXPECT_THAT(result->not_recorded[0].reason, HasSubstr("at most 2 streams"));
}

TEST_F(ArchiveTest, AnAudioOnlyArchiveWritesOnlyAudio) {
  ArchiveOptions options = Options("audio-only");
  options.has_video = false;
  auto archive = Archive::Start(options);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("a")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        (*archive)
            ->PushPacket("a", Rtp(kVp8, i, 3000 * i, 7, true, Vp8Frame(i == 0, i)), t0 + i * 33'000)
            .ok());
  }
  PushAudio(**archive, "a", 8, 5, t0);
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  auto file = container::ReadWebm(ZipEntry(result->zip_path, "a.webm"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->tracks.size(), 1u);
  EXPECT_EQ(file->tracks[0].codec_id, "A_OPUS");
  ASSERT_EQ(result->streams[0].tracks.size(), 1u);
  EXPECT_EQ(result->streams[0].tracks[0].kind, MediaKind::kAudio);
  EXPECT_EQ(result->streams[0].packets_dropped.at("video_not_recorded"), 5);
}

TEST_F(ArchiveTest, AnSsrcFloodIsCappedAndCounted) {
  auto archive = Archive::Start(Options("flood"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("f")).ok());
  for (uint32_t ssrc = 1; ssrc <= 5000; ++ssrc) {
    ASSERT_TRUE((*archive)->PushPacket("f", Rtp(kOpus, 1, 0, ssrc, false, {0xfc}), 0).ok());
  }
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->streams[0].tracks.size(), 16u);
  EXPECT_EQ(result->streams[0].packets_dropped.at("too_many_ssrcs"), 5000 - 16);
}

TEST_F(ArchiveTest, StreamsCanBeFedFromSeveralThreads) {
  auto archive = Archive::Start(Options("threads"));
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("t0")).ok());
  ASSERT_TRUE((*archive)->AddStream(Stream("t1")).ok());
  const int64_t t0 = 1'700'000'000'000'000;
  std::vector<std::thread> threads;
  for (int s = 0; s < 2; ++s) {
    threads.emplace_back([&, s] {
      const std::string id = "t" + std::to_string(s);
      for (int i = 0; i < 500; ++i) {
        EXPECT_TRUE((*archive)
                        ->PushPacket(id, Rtp(kOpus, i, 960 * i, 10 + s, false, {0xfc, uint8_t(i)}),
                                     t0 + i * 20'000)
                        .ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto result = (*archive)->Stop();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->files.size(), 2u);
  for (const StreamResult& stream : result->streams)
    EXPECT_EQ(stream.tracks[0].frames_written, 500);
}

}  // namespace
}  // namespace rtparchive
