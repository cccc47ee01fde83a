#include "container/segment_writer.h"

#include <vector>

#include "container/webm_reader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::container {
namespace {

// A sink that shares its bytes with the test after the writer closed it.
class SharedMemorySink : public ByteSink {
 public:
  explicit SharedMemorySink(std::vector<uint8_t>* out) : out_(out) {}
  absl::Status Write(absl::Span<const uint8_t> bytes) override { return memory_.Write(bytes); }
  absl::Status Seek(uint64_t position) override { return memory_.Seek(position); }
  uint64_t position() const override { return memory_.position(); }
  // What a flush hands to the operating system is what a crash leaves.
  absl::Status Flush() override {
    *out_ = memory_.bytes();
    return absl::OkStatus();
  }
  absl::Status Close() override { return Flush(); }
  std::string name() const override { return "test"; }

 private:
  MemorySink memory_;
  std::vector<uint8_t>* out_;
};

// Fails every write once `budget` bytes were written, like a full disk.
class FailingSink : public ByteSink {
 public:
  explicit FailingSink(uint64_t budget) : budget_(budget) {}
  absl::Status Write(absl::Span<const uint8_t> bytes) override {
    if (position_ + bytes.size() > budget_) {
      return absl::ResourceExhaustedError("writing 'test.webm' failed: No space left on device");
    }
    position_ += bytes.size();
    return absl::OkStatus();
  }
  absl::Status Seek(uint64_t position) override {
    position_ = position;
    return absl::OkStatus();
  }
  uint64_t position() const override { return position_; }
  absl::Status Close() override { return absl::OkStatus(); }
  std::string name() const override { return "test.webm"; }

 private:
  uint64_t budget_;
  uint64_t position_ = 0;
};

codec::EncodedFrame Frame(std::vector<uint8_t> bytes, bool keyframe) {
  codec::EncodedFrame frame;
  frame.data = std::move(bytes);
  frame.keyframe = keyframe;
  if (keyframe) frame.size = codec::VideoSize{320, 240};
  return frame;
}

TEST(SegmentWriterTest, FramesReadBackByteForByteWithTimesAndKeyframes) {
  std::vector<uint8_t> file;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kAudio, Frame({1, 2, 3}, true), 0).ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({9, 9, 9, 9}, true), 5).ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kAudio, Frame({4, 5}, true), 20).ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({7}, false), 38).ok());
  auto stats = (*writer)->Finish();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->bytes, file.size());

  auto parsed = ReadWebm(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->doc_type, "webm");
  EXPECT_EQ(parsed->timestamp_scale_ns, 1'000'000u);
  ASSERT_EQ(parsed->tracks.size(), 2u);
  EXPECT_EQ(parsed->tracks[0].codec_id, "V_VP8");
  EXPECT_EQ(parsed->tracks[0].pixel_width, 320u);
  EXPECT_EQ(parsed->tracks[0].pixel_height, 240u);
  EXPECT_EQ(parsed->tracks[1].codec_id, "A_OPUS");
  EXPECT_EQ(parsed->tracks[1].codec_private, OpusHead(2));
  ASSERT_EQ(parsed->frames.size(), 4u);
  EXPECT_EQ(parsed->frames[1].data, std::vector<uint8_t>({9, 9, 9, 9}));
  EXPECT_EQ(parsed->frames[1].timestamp_ms, 5);
  EXPECT_TRUE(parsed->frames[1].keyframe);
  EXPECT_EQ(parsed->frames[3].timestamp_ms, 38);
  EXPECT_FALSE(parsed->frames[3].keyframe);
  EXPECT_TRUE(parsed->has_seek_head);
  EXPECT_GE(parsed->cue_points, 1);
  EXPECT_DOUBLE_EQ(parsed->duration, 38 + 33);  // last video + its frame interval
}

TEST(SegmentWriterTest, ClustersStartAtKeyframesAndEverySecond) {
  std::vector<uint8_t> file;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 12; ++i) {
    // A keyframe at 0 and 1500 ms; inter frames every 250 ms in between.
    const bool key = i == 0 || i == 6;
    ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({uint8_t(i)}, key), i * 250).ok());
  }
  auto stats = (*writer)->Finish();
  ASSERT_TRUE(stats.ok());
  // 0 (key), 1000 (1 s rule), 1500 (key), 2500 (1 s rule)
  EXPECT_EQ(stats->clusters, 4);
  EXPECT_EQ(stats->cues, 2);
  auto parsed = ReadWebm(file);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->clusters, 4);
  EXPECT_EQ(parsed->cue_points, 2);
}

TEST(SegmentWriterTest, AFileCutShortHoldsTracksAndEveryCutCluster) {
  // What a crash leaves: the writer is never finished.
  std::vector<uint8_t> file;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({uint8_t(i)}, i == 0), i * 250).ok());
  }
  // Clusters at 0, 1000 and 2000 ms were cut and written; 2000-2250 ms is still open.
  auto parsed = ReadWebm(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->tracks.size(), 2u);  // both configured tracks, provisionally
  EXPECT_EQ(parsed->tracks[0].codec_id, "V_VP8");
  EXPECT_EQ(parsed->tracks[0].pixel_width, 320u);
  EXPECT_EQ(parsed->frames.size(), 8u);
  EXPECT_EQ(parsed->frames.back().timestamp_ms, 1750);
}

TEST(SegmentWriterTest, WithoutFlushEachClusterCutClustersWaitInTheSink) {
  std::vector<uint8_t> file;
  SegmentConfig config;
  config.flush_each_cluster = false;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), config);
  ASSERT_TRUE(writer.ok());
  const size_t head_bytes = file.size();  // the head is flushed by its rewrite
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({uint8_t(i)}, i == 0), i * 250).ok());
  }
  EXPECT_EQ(file.size(), head_bytes);  // three clusters cut, none handed over
  ASSERT_TRUE((*writer)->Finish().ok());
  auto parsed = ReadWebm(file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->frames.size(), 10u);
}

TEST(SegmentWriterTest, LongGapsNeverReachTheBlockOffsetLimit) {
  std::vector<uint8_t> file;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kAudio, Frame({1}, true), 0).ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kAudio, Frame({2}, true), 40'000).ok());  // > 32.767 s
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kAudio, Frame({3}, true), 3'600'000).ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  auto parsed = ReadWebm(file);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->frames.size(), 3u);
  EXPECT_EQ(parsed->frames[2].timestamp_ms, 3'600'000);
  EXPECT_EQ(parsed->tracks.size(), 1u);  // the video track had no frames
}

TEST(SegmentWriterTest, OutOfOrderFramesAreRefusedNotAborted) {
  std::vector<uint8_t> file;
  auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({1}, true), 100).ok());
  EXPECT_EQ((*writer)->PutFrame(MediaKind::kVideo, Frame({2}, false), 100).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->PutFrame(MediaKind::kAudio, Frame({2}, true), 50).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SegmentWriterTest, DiskFullBecomesAStatusNamingTheFile) {
  auto writer = SegmentWriter::Start(std::make_unique<FailingSink>(2000), SegmentConfig());
  ASSERT_TRUE(writer.ok());
  absl::Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    status = (*writer)->PutFrame(MediaKind::kVideo,
                                 Frame(std::vector<uint8_t>(100, 1), i % 10 == 0), i * 33);
  }
  if (status.ok()) status = (*writer)->Finish().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("test.webm"));
}

TEST(SegmentWriterTest, SameInputGivesTheSameBytes) {
  std::vector<uint8_t> files[2];
  for (auto& file : files) {
    auto writer = SegmentWriter::Start(std::make_unique<SharedMemorySink>(&file), SegmentConfig());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->PutFrame(MediaKind::kVideo, Frame({1, 2}, true), 0).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  EXPECT_EQ(files[0], files[1]);
}

}  // namespace
}  // namespace rtparchive::container
