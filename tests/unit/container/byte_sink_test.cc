#include "container/byte_sink.h"

#include <zlib.h>

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"

namespace rtparchive::container {
namespace {

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/" + name; }

// A sink that sums its contents' CRC-32, with a buffer of `buffer_bytes`.
FileSinkOptions Summing(size_t buffer_bytes = FileSinkOptions().buffer_bytes) {
  FileSinkOptions options;
  options.buffer_bytes = buffer_bytes;
  options.sum_crc32 = true;
  return options;
}

TEST(FileSinkTest, BufferedWritesAndSeeksLandInTheFile) {
  const std::string path = TempPath("sink.bin");
  auto sink = FileSink::Create(path, Summing(4));
  ASSERT_TRUE(sink.ok());
  const std::vector<uint8_t> head = {'a', 'b', 'c'};
  const std::vector<uint8_t> big = {'1', '2', '3', '4', '5', '6'};  // bypasses the buffer
  ASSERT_TRUE((*sink)->Write(head).ok());
  ASSERT_TRUE((*sink)->Write(big).ok());
  EXPECT_EQ((*sink)->position(), 9u);
  ASSERT_TRUE((*sink)->Seek(1).ok());
  const std::vector<uint8_t> patch = {'B'};
  ASSERT_TRUE((*sink)->Write(patch).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  std::ifstream in(path, std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "aBc123456");
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

uint32_t Crc32(const std::string& bytes) {
  return static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

TEST(FileSinkTest, SumsTheCrcOfTheFinalContentsWhenTheHeadIsRewritten) {
  const std::string path = TempPath("crc.bin");
  auto sink = FileSink::Create(path, Summing(1000));
  ASSERT_TRUE(sink.ok());
  std::vector<uint8_t> bytes(3 * FileSink::kRewritableBytes + 123);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 13 + i / 97);
  ASSERT_TRUE((*sink)->Write(bytes).ok());
  // A container's sizes, rewritten at the end in its head.
  ASSERT_TRUE((*sink)->Seek(10).ok());
  const std::vector<uint8_t> patch(FileSink::kRewritableBytes - 20, 0xee);
  ASSERT_TRUE((*sink)->Write(patch).ok());
  ASSERT_TRUE((*sink)->Seek(bytes.size()).ok());
  ASSERT_TRUE((*sink)->Write(patch).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  const std::optional<uint32_t> summed = (*sink)->contents_crc32();
  ASSERT_TRUE(summed.has_value());
  EXPECT_EQ(*summed, Crc32(Slurp(path)));
}

TEST(FileSinkTest, AdoptedBlocksAreWrittenWhereTheyAreNamedAndOthersCopied) {
  const std::string path = TempPath("adopted.bin");
  auto sink = FileSink::Create(path, Summing(6000));
  ASSERT_TRUE(sink.ok());
  std::string expected;
  auto write = [&](absl::Span<const uint8_t> bytes) {
    ASSERT_TRUE((*sink)->Write(bytes).ok());
    expected.append(bytes.begin(), bytes.end());
  };
  for (int cluster = 0; cluster < 20; ++cluster) {
    std::vector<std::vector<uint8_t>> blocks;
    for (int i = 0; i < 4; ++i) blocks.emplace_back(1000 + 300 * i, uint8_t('a' + cluster + i));
    const std::vector<std::vector<uint8_t>> copies = blocks;  // same bytes, elsewhere
    std::vector<const uint8_t*> where;
    for (const auto& block : blocks) where.push_back(block.data());
    (*sink)->Adopt(std::move(blocks));  // the vectors moved; their bytes did not
    const std::vector<uint8_t> block_header = {0xa3, uint8_t(cluster)};
    write(block_header);
    write(absl::MakeConstSpan(where[0], copies[0].size()));
    write(block_header);
    write(copies[1]);  // not the adopted bytes: copied
    write(block_header);
    write(absl::MakeConstSpan(where[2], copies[2].size()));
    // Block 3 is never named: it is dropped with the next Adopt. The
    // 6000-byte buffer fills within most clusters, so blocks are handed
    // to the writer thread before every one of them was named.
  }
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(Slurp(path), expected);
  ASSERT_TRUE((*sink)->contents_crc32().has_value());
  EXPECT_EQ(*(*sink)->contents_crc32(), Crc32(expected));
}

TEST(FileSinkTest, CrcIsUnknownWhenNotAskedFor) {
  const std::string path = TempPath("crc-not-summed.bin");
  auto sink = FileSink::Create(path);
  ASSERT_TRUE(sink.ok());
  const std::vector<uint8_t> bytes(2 * FileSink::kRewritableBytes, 1);
  ASSERT_TRUE((*sink)->Write(bytes).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_FALSE((*sink)->contents_crc32().has_value());
}

TEST(FileSinkTest, CrcIsUnknownAfterAnOverwritePastTheHead) {
  const std::string path = TempPath("crc-unknown.bin");
  auto sink = FileSink::Create(path, Summing());
  ASSERT_TRUE(sink.ok());
  const std::vector<uint8_t> bytes(2 * FileSink::kRewritableBytes, 1);
  ASSERT_TRUE((*sink)->Write(bytes).ok());
  ASSERT_TRUE((*sink)->Seek(FileSink::kRewritableBytes + 1).ok());
  const std::vector<uint8_t> patch = {2};
  ASSERT_TRUE((*sink)->Write(patch).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_FALSE((*sink)->contents_crc32().has_value());
}

TEST(FileSinkTest, UncreatableFileSaysWhy) {
  auto sink = FileSink::Create("/nonexistent-folder/x.webm");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("/nonexistent-folder/x.webm"), std::string::npos);
}

}  // namespace
}  // namespace rtparchive::container
