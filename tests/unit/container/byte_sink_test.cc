#include "container/byte_sink.h"

#include <fstream>
#include <iterator>

#include "gtest/gtest.h"

namespace rtparchive::container {
namespace {

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(FileSinkTest, BufferedWritesAndSeeksLandInTheFile) {
  const std::string path = TempPath("sink.bin");
  auto sink = FileSink::Create(path, /*buffer_size=*/4);
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

TEST(FileSinkTest, UncreatableFileSaysWhy) {
  auto sink = FileSink::Create("/nonexistent-folder/x.webm");
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("/nonexistent-folder/x.webm"), std::string::npos);
}

}  // namespace
}  // namespace rtparchive::container
