#include "archive/zip_writer.h"

#include <zip.h>

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"

namespace rtparchive::archive {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(ZipWriterTest, StoresEntriesUncompressedWithTheGivenTime) {
  const std::string folder = ::testing::TempDir();
  const std::string media = folder + "/media.webm";
  std::ofstream(media, std::ios::binary) << std::string(5000, 'x');
  const std::string zip_path = folder + "/archive.zip";
  const int64_t created_at_ms = 1700000000000;  // 2023-11-14 22:13:20 UTC
  ASSERT_TRUE(
      WriteZip(zip_path, {{"s.webm", media, ""}, {"m.json", "", "{}"}}, created_at_ms).ok());

  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  ASSERT_NE(archive, nullptr) << error;
  ASSERT_EQ(zip_get_num_entries(archive, 0), 2);
  zip_stat_t stat;
  ASSERT_EQ(zip_stat_index(archive, 0, 0, &stat), 0);
  EXPECT_STREQ(stat.name, "s.webm");
  EXPECT_EQ(stat.size, 5000u);
  EXPECT_EQ(stat.comp_method, ZIP_CM_STORE);
  EXPECT_EQ(stat.comp_size, 5000u);
  zip_close(archive);
}

TEST(ZipWriterTest, SameEntriesGiveTheSameBytes) {
  const std::string folder = ::testing::TempDir();
  const std::string a = folder + "/a.zip", b = folder + "/b.zip";
  ASSERT_TRUE(WriteZip(a, {{"m.json", "", "{\"x\":1}"}}, 1700000000000).ok());
  ASSERT_TRUE(WriteZip(b, {{"m.json", "", "{\"x\":1}"}}, 1700000000000).ok());
  EXPECT_EQ(Slurp(a), Slurp(b));
}

TEST(ZipWriterTest, MissingFolderSaysWhatToDo) {
  const absl::Status status = WriteZip("/nonexistent-folder/a.zip", {{"m.json", "", "{}"}}, 0);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent-folder/a.zip"), std::string::npos);
}

}  // namespace
}  // namespace rtparchive::archive
