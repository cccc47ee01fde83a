// The journal and RecoverArchive: an archive whose recorder went away
// without Stop is finalised from its working folder.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "archive/journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rtparchive/archive.h"
#include "test_packets.h"

namespace rtparchive {
namespace {

using ::testing::HasSubstr;

std::string Fresh(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(path);
  std::filesystem::remove_all(path + ".parts");
  return path;
}

TEST(JournalTest, ATornLastLineIsSkipped) {
  const std::string path = Fresh("torn.jsonl");
  {
    auto journal = archive::Journal::Create(path, {"id-1", "name \"quoted\"", "session", 7});
    ASSERT_TRUE(journal.ok()) << journal.status();
    archive::SegmentRecord record;
    record.file.filename = "s.webm";
    record.file.stream_id = "s";
    record.file.connection_data = "user=1\n";
    record.file.video_type = "camera";
    record.first_capture_ms = 1234;
    record.data_offset = 77;
    ASSERT_TRUE((*journal)->Record(record).ok());
  }
  std::ofstream(path, std::ios::app) << "{\"segment\":{\"filename\":\"t.we";  // the crash
  auto contents = archive::ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_TRUE(contents->archive.has_value());
  EXPECT_EQ(contents->archive->name, "name \"quoted\"");
  EXPECT_EQ(contents->archive->partner_id, 7);
  ASSERT_EQ(contents->segments.size(), 1u);
  EXPECT_EQ(contents->segments[0].file.filename, "s.webm");
  EXPECT_EQ(contents->segments[0].file.connection_data, "user=1\n");
  EXPECT_EQ(contents->segments[0].file.video_type, "camera");
  EXPECT_EQ(contents->segments[0].first_capture_ms, 1234);
  EXPECT_EQ(contents->segments[0].data_offset, 77u);
  EXPECT_EQ(contents->unreadable_lines, 1);
  EXPECT_FALSE(archive::Journal::Create(path, {}).ok());  // never overwritten
}

TEST(RecoverArchiveTest, ARecorderGoneWithoutStopIsFinalisedFromItsFolder) {
  const std::string output = Fresh("gone.zip");
  ArchiveOptions options;
  options.id = "0d5b6e0a-0000-4000-8000-000000000003";
  options.name = "gone";
  options.output_path = output;
  const int64_t t0 = 1'700'000'000'000'000;
  {
    auto archive = Archive::Start(options);
    ASSERT_TRUE(archive.ok()) << archive.status();
    StreamOptions stream;
    stream.stream_id = "s1";
    stream.connection_data = "user=1";
    stream.payload_types = {{test::kVp8, {PayloadFormat::kVp8, 90000}}};
    ASSERT_TRUE((*archive)->AddStream(stream).ok());
    // 8 s of video at 10 frames/s, a keyframe every 2 s.
    for (int i = 0; i < 80; ++i) {
      ASSERT_TRUE((*archive)
                      ->PushPacket("s1",
                                   test::Rtp(test::kVp8, i, 9000 * i, 5, true,
                                             test::Vp8Frame(i % 20 == 0, static_cast<uint8_t>(i))),
                                   t0 + i * 100'000)
                      .ok());
    }
    // Gone without Stop: what the writer had flushed stays on disk.
  }
  ASSERT_TRUE(std::filesystem::exists(output + ".parts/journal.jsonl"));
  auto result = RecoverArchive(output + ".parts", output);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->files.size(), 1u);
  EXPECT_EQ(result->files[0].filename, "s1.webm");
  EXPECT_EQ(result->created_at_ms, t0 / 1000);
  EXPECT_THAT(result->manifest_json, HasSubstr("\"name\": \"gone\""));
  EXPECT_THAT(result->manifest_json, HasSubstr("\"connectionData\": \"user=1\""));
  // The frames still held (sender-report wait, interleaver) are lost; the
  // flushed clusters are there.
  EXPECT_GT(result->files[0].stop_time_offset_ms, 0);
  EXPECT_TRUE(std::filesystem::exists(output));
}

TEST(RecoverArchiveTest, AFolderWithoutAJournalIsRefused) {
  const std::string folder = Fresh("no-journal");
  std::filesystem::create_directories(folder);
  auto result = RecoverArchive(folder, folder + ".zip");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace rtparchive
