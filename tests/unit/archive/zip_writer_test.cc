#include "archive/zip_writer.h"

#include <zip.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "gtest/gtest.h"
#include "test_zip.h"

namespace rtparchive::archive {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ZipEntry FileEntry(const std::string& name, const std::string& path,
                   std::optional<uint32_t> crc32 = std::nullopt) {
  return ZipEntry::FromFile(name, path, 0, std::filesystem::file_size(path), crc32);
}
ZipEntry TextEntry(const std::string& name, const std::string& text) {
  return ZipEntry::FromText(name, text);
}

uint32_t Crc32(const std::string& bytes) {
  return static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string AsString(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

class ZipWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(folder_);
    media_ = folder_ + "/media.webm";
    // Larger than one copy chunk, with bytes that differ along the file.
    for (int i = 0; i < 3 << 19; ++i) media_bytes_.push_back(static_cast<char>(i * 7 + i / 251));
    std::ofstream(media_, std::ios::binary) << media_bytes_;
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  // A folder of the test's own: ctest runs the tests in parallel processes.
  const std::string folder_ =
      ::testing::TempDir() + "/zip-writer-" +
      ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string media_;
  std::string media_bytes_;
};

TEST_F(ZipWriterTest, StoresEntriesUncompressedWithTheGivenTimeAndCorrectCrcs) {
  const std::string zip_path = folder_ + "/archive.zip";
  const int64_t created_at_ms = 1700000000000;  // 2023-11-14 22:13:20 UTC
  ASSERT_TRUE(
      WriteZip(zip_path, {FileEntry("s.webm", media_), TextEntry("m.json", "{}")}, created_at_ms)
          .ok());

  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  ASSERT_EQ(zip_get_num_entries(archive, 0), 2);
  zip_stat_t stat;
  ASSERT_EQ(zip_stat_index(archive, 0, 0, &stat), 0);
  EXPECT_STREQ(stat.name, "s.webm");
  EXPECT_EQ(stat.size, media_bytes_.size());
  EXPECT_EQ(stat.comp_method, ZIP_CM_STORE);
  EXPECT_EQ(stat.comp_size, media_bytes_.size());
  EXPECT_EQ(stat.crc, Crc32(media_bytes_));
  EXPECT_EQ(stat.mtime, created_at_ms / 1000);
  zip_close(archive);
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "s.webm")), media_bytes_);
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "m.json")), "{}");
}

TEST_F(ZipWriterTest, UsesAGivenCrcAsItIs) {
  // The segment writer's CRC is trusted, not computed again from the file.
  const std::string zip_path = folder_ + "/given.zip";
  const uint32_t given = Crc32(media_bytes_) ^ 1;
  ASSERT_TRUE(WriteZip(zip_path, {FileEntry("s.webm", media_, given)}, 0).ok());
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  zip_stat_t stat;
  ASSERT_EQ(zip_stat_index(archive, 0, 0, &stat), 0);
  EXPECT_EQ(stat.crc, given);
  zip_close(archive);
  EXPECT_TRUE(test::ZipEntry(zip_path, "s.webm").empty());  // libzip finds it wrong
}

TEST_F(ZipWriterTest, ManyEntriesUseZip64EndRecords) {
  // More entries than the 16-bit count of the classic end record holds.
  std::vector<ZipEntry> entries;
  for (int i = 0; i < 70000; ++i)
    entries.push_back(TextEntry("e" + std::to_string(i), std::to_string(i)));
  const std::string zip_path = folder_ + "/many.zip";
  ASSERT_TRUE(WriteZip(zip_path, entries, 0).ok());
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  EXPECT_EQ(zip_get_num_entries(archive, 0), 70000);
  zip_close(archive);
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "e69999")), "69999");
}

TEST_F(ZipWriterTest, SameEntriesGiveTheSameBytes) {
  const std::string a = folder_ + "/a.zip", b = folder_ + "/b.zip";
  ASSERT_TRUE(
      WriteZip(a, {TextEntry("m.json", "{\"x\":1}"), FileEntry("s.webm", media_)}, 1700000000000)
          .ok());
  ASSERT_TRUE(
      WriteZip(b, {TextEntry("m.json", "{\"x\":1}"), FileEntry("s.webm", media_)}, 1700000000000)
          .ok());
  EXPECT_EQ(Slurp(a), Slurp(b));
}

TEST_F(ZipWriterTest, FailureLeavesNoZipAndNamesTheFile) {
  const std::string zip_path = folder_ + "/failed.zip";
  const absl::Status status = WriteZip(
      zip_path,
      {TextEntry("m.json", "{}"), ZipEntry::FromFile("gone.webm", folder_ + "/gone.webm", 0, 10)},
      0);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("gone.webm"), std::string::npos) << status;
  EXPECT_FALSE(std::ifstream(zip_path).good());
}

std::vector<std::string> Names(const std::string& zip_path) {
  std::vector<std::string> names;
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) return names;
  for (zip_int64_t i = 0; i < zip_get_num_entries(archive, 0); ++i)
    names.push_back(zip_get_name(archive, i, 0));
  zip_close(archive);
  return names;
}

TEST_F(ZipWriterTest, TheLargestFileWithRoomForItsHeaderBecomesTheZip) {
  // Two files written with room for their entry's header in front.
  const std::string small_path = folder_ + "/small.part", large_path = folder_ + "/large.part";
  std::ofstream(small_path, std::ios::binary)
      << std::string(LocalHeaderBytes("small.webm"), '\0') << "tiny";
  std::ofstream(large_path, std::ios::binary)
      << std::string(LocalHeaderBytes("large.webm"), '\0') << media_bytes_;
  const std::string zip_path = folder_ + "/in-place.zip";
  ASSERT_TRUE(
      WriteZip(zip_path,
               {ZipEntry::FromFile("small.webm", small_path, LocalHeaderBytes("small.webm"), 4),
                ZipEntry::FromFile("large.webm", large_path, LocalHeaderBytes("large.webm"),
                                   media_bytes_.size()),
                TextEntry("m.json", "{}")},
               0)
          .ok());
  EXPECT_FALSE(std::filesystem::exists(large_path));  // it is the ZIP now
  EXPECT_TRUE(std::filesystem::exists(small_path));   // copied in
  EXPECT_EQ(Names(zip_path), (std::vector<std::string>{"small.webm", "large.webm", "m.json"}));
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "large.webm")), media_bytes_);
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "small.webm")), "tiny");
  EXPECT_EQ(AsString(test::ZipEntry(zip_path, "m.json")), "{}");
  // The same bytes as a ZIP written by copying every entry.
  const std::string copied_source = folder_ + "/copied.bin";
  std::ofstream(copied_source, std::ios::binary) << media_bytes_;
  const std::string small_copy = folder_ + "/small-copy.bin";
  std::ofstream(small_copy, std::ios::binary) << "tiny";
  const std::string copied = folder_ + "/copied.zip";
  ASSERT_TRUE(WriteZip(copied,
                       {FileEntry("small.webm", small_copy), FileEntry("large.webm", copied_source),
                        TextEntry("m.json", "{}")},
                       0)
                  .ok());
  EXPECT_EQ(Names(copied), Names(zip_path));
  EXPECT_EQ(std::filesystem::file_size(copied), std::filesystem::file_size(zip_path));
}

// The pieces concatenated: the same bytes as the ZIP written by copying,
// read back by libzip with its consistency checks; the files untouched.
TEST_F(ZipWriterTest, PlannedPiecesAreTheZipWithoutCopying) {
  const std::string small_path = folder_ + "/small.part";
  std::ofstream(small_path, std::ios::binary) << std::string(LocalHeaderBytes("small.webm"), '\0') << "tiny";
  const std::vector<ZipEntry> entries = {
      ZipEntry::FromFile("small.webm", small_path, LocalHeaderBytes("small.webm"), 4),
      FileEntry("large.webm", media_, Crc32(media_bytes_)), TextEntry("m.json", "{}")};
  auto pieces = PlanZip(entries, 1700000000000);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  std::string joined;
  for (const rtparchive::ZipPiece& piece : *pieces) {
    if (piece.path.empty()) {
      joined += piece.bytes;
    } else {
      joined += Slurp(piece.path).substr(piece.offset, piece.size);
    }
  }
  const std::string planned = folder_ + "/planned.zip";
  std::ofstream(planned, std::ios::binary) << joined;
  int error = 0;
  zip_t* archive = zip_open(planned.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  zip_close(archive);
  EXPECT_EQ(Names(planned), (std::vector<std::string>{"small.webm", "large.webm", "m.json"}));
  EXPECT_EQ(AsString(test::ZipEntry(planned, "large.webm")), media_bytes_);
  EXPECT_EQ(AsString(test::ZipEntry(planned, "small.webm")), "tiny");
  // Byte for byte what WriteZip makes of the same entries when it copies them all.
  const std::string small_copy = folder_ + "/small-copy.bin";
  std::ofstream(small_copy, std::ios::binary) << "tiny";
  const std::string written = folder_ + "/written.zip";
  ASSERT_TRUE(WriteZip(written, {FileEntry("small.webm", small_copy), FileEntry("large.webm", media_),
                                 TextEntry("m.json", "{}")},
                       1700000000000)
                  .ok());
  EXPECT_EQ(Slurp(written), joined);
  EXPECT_EQ(Slurp(media_), media_bytes_);  // nothing moved
  // A file shorter than its entry: an error, not a short ZIP.
  std::filesystem::resize_file(media_, 10);
  EXPECT_FALSE(PlanZip(entries, 0).ok());
}

TEST_F(ZipWriterTest, AFailedZipLeavesTheFileWithRoomAsItWas) {
  const std::string path = folder_ + "/kept.part";
  const std::string original = std::string(LocalHeaderBytes("kept.webm"), '\0') + media_bytes_;
  std::ofstream(path, std::ios::binary) << original;
  const std::string zip_path = folder_ + "/never.zip";
  const absl::Status status = WriteZip(
      zip_path,
      {ZipEntry::FromFile("kept.webm", path, LocalHeaderBytes("kept.webm"), media_bytes_.size()),
       TextEntry("m.json", "{}"), ZipEntry::FromFile("gone.webm", folder_ + "/gone.webm", 0, 10)},
      0);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(std::filesystem::exists(zip_path));
  EXPECT_EQ(Slurp(path).size(), original.size());
  EXPECT_EQ(Slurp(path).substr(LocalHeaderBytes("kept.webm")), media_bytes_);
}

// Writes over 4 GiB: run by hand with --gtest_also_run_disabled_tests.
TEST_F(ZipWriterTest, DISABLED_EntryOver4GiBUsesZip64Fields) {
  const std::string large = folder_ + "/large.bin";
  const uint64_t size = (uint64_t{1} << 32) + 1000;
  std::ofstream(large, std::ios::binary) << "start";
  std::filesystem::resize_file(large, size);  // sparse: reads as zeros
  const std::string zip_path = folder_ + "/large.zip";
  ASSERT_TRUE(
      WriteZip(zip_path, {TextEntry("m.json", "{}"), FileEntry("large.webm", large)}, 0).ok());
  std::filesystem::remove(large);
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  zip_stat_t stat;
  ASSERT_EQ(zip_stat(archive, "large.webm", 0, &stat), 0);
  EXPECT_EQ(stat.size, size);
  EXPECT_EQ(stat.comp_size, size);
  ASSERT_EQ(zip_stat(archive, "m.json", 0, &stat), 0);
  EXPECT_EQ(stat.size, 2u);
  zip_close(archive);
  std::filesystem::remove(zip_path);
}

TEST_F(ZipWriterTest, MissingFolderSaysWhatToDo) {
  const absl::Status status = WriteZip("/nonexistent-folder/a.zip", {TextEntry("m.json", "{}")}, 0);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent-folder/a.zip"), std::string::npos);
}

}  // namespace
}  // namespace rtparchive::archive
