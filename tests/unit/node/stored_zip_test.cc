// The node's stored ZIPs: pieces kept and read back as an upload and a
// download read them, a whole ZIP the same way, and a damaged pieces file
// refused rather than followed outside the archive's folder.
#include "node/stored_zip.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace rtparchive::node {
namespace {

class StoredZipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_ + "/a.zip.parts");
    std::ofstream(folder_ + "/a.zip.parts/s.webm", std::ios::binary) << "..0123456789";
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  static std::string ReadAll(const storage::ByteSource& source, size_t chunk) {
    std::string out;
    std::vector<uint8_t> buffer(chunk);
    for (uint64_t at = 0; at < source.size();) {
      auto got = source.ReadAt(at, buffer.data(), buffer.size());
      if (!got.ok() || *got == 0) break;
      out.append(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*got));
      at += *got;
    }
    return out;
  }
  static std::string FromBody(const std::vector<http::BodyPiece>& body) {
    std::string out;
    for (const http::BodyPiece& piece : body) {
      if (piece.fd < 0) {
        out += piece.bytes;
        continue;
      }
      std::string bytes(piece.size, '\0');
      EXPECT_EQ(::pread(piece.fd, bytes.data(), piece.size, static_cast<off_t>(piece.offset)),
                static_cast<ssize_t>(piece.size));
      ::close(piece.fd);
      out += bytes;
    }
    return out;
  }

  const std::string folder_ = ::testing::TempDir() + "/stored-zip-" + std::to_string(::getpid());
};

TEST_F(StoredZipTest, PiecesReadBackWhole) {
  StoredZips zips(folder_);
  EXPECT_FALSE(zips.Exists("a"));
  const std::string binary("head\0\x01", 6);  // header bytes are binary
  ASSERT_TRUE(zips.SavePieces("a", {{binary, "", 0, 0}, {"", folder_ + "/a.zip.parts/s.webm", 2, 10},
                                    {"tail", "", 0, 0}}).ok());
  EXPECT_TRUE(zips.Exists("a"));
  const std::string expected = binary + "0123456789tail";
  for (size_t chunk : {1u, 3u, 7u, 4096u}) {  // reads that cross pieces anywhere
    auto source = zips.OpenSource("a");
    ASSERT_TRUE(source.ok()) << source.status();
    EXPECT_EQ((*source)->size(), expected.size());
    EXPECT_EQ(ReadAll(**source, chunk), expected) << chunk;
  }
  auto body = zips.OpenBody("a");
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(FromBody(*body), expected);
  // A segment file cut short: refused, not a short ZIP.
  std::filesystem::resize_file(folder_ + "/a.zip.parts/s.webm", 5);
  EXPECT_EQ(zips.OpenBody("a").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(zips.OpenSource("a").status().code(), absl::StatusCode::kDataLoss);
  zips.Remove("a");
  EXPECT_FALSE(zips.Exists("a"));
  EXPECT_FALSE(std::filesystem::exists(folder_ + "/a.zip.parts"));
  EXPECT_EQ(zips.OpenBody("a").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoredZipTest, AWholeZipIsReadAsOnePiece) {
  StoredZips zips(folder_);
  std::ofstream(folder_ + "/b.zip", std::ios::binary) << "PK whole";
  EXPECT_TRUE(zips.Exists("b"));
  auto source = zips.OpenSource("b");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(ReadAll(**source, 3), "PK whole");
  auto body = zips.OpenBody("b");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(FromBody(*body), "PK whole");
}

TEST_F(StoredZipTest, DamagedPiecesAreRefused) {
  StoredZips zips(folder_);
  for (const std::string& damaged :
       {std::string("not json"), std::string("[{\"path\": \"/etc/passwd\", \"offset\": 0, \"size\": 4}]"),
        "[{\"path\": \"" + folder_ + "/a.zip.parts/../../x\", \"offset\": 0, \"size\": 1}]",
        "[{\"path\": \"" + folder_ + "/a.zip.parts/s.webm\", \"offset\": -1, \"size\": 1}]",
        std::string("[{\"bytes\": \"***\"}]"), std::string("[1]")}) {
    std::ofstream(folder_ + "/a.zip.pieces") << damaged;
    EXPECT_EQ(zips.OpenBody("a").status().code(), absl::StatusCode::kDataLoss) << damaged;
    EXPECT_EQ(zips.OpenSource("a").status().code(), absl::StatusCode::kDataLoss) << damaged;
  }
}

}  // namespace
}  // namespace rtparchive::node
