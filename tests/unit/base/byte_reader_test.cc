#include "base/byte_reader.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive {
namespace {

TEST(ByteReaderTest, ReadsBigAndLittleEndianFields) {
  const std::vector<uint8_t> bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader reader(bytes);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  ASSERT_TRUE(reader.ReadU8(&u8));
  EXPECT_EQ(u8, 0x01);
  ASSERT_TRUE(reader.ReadU16(&u16));
  EXPECT_EQ(u16, 0x0203);
  ASSERT_TRUE(reader.ReadU32Le(&u32));
  EXPECT_EQ(u32, 0x07060504u);
  ASSERT_TRUE(reader.ReadU16Le(&u16));
  EXPECT_EQ(u16, 0x0908);
  EXPECT_EQ(reader.remaining(), 0u);
}

TEST(ByteReaderTest, FailedReadKeepsThePosition) {
  const std::vector<uint8_t> bytes = {0xaa, 0xbb, 0xcc};
  ByteReader reader(bytes);
  uint32_t u32 = 0;
  EXPECT_FALSE(reader.ReadU32(&u32));
  EXPECT_EQ(reader.position(), 0u);
  EXPECT_TRUE(reader.ReadU24(&u32));
  EXPECT_EQ(u32, 0xaabbccu);
  absl::Span<const uint8_t> rest;
  EXPECT_FALSE(reader.ReadBytes(1, &rest));
  EXPECT_FALSE(reader.Skip(1));
  EXPECT_TRUE(reader.ReadBytes(0, &rest));
}

}  // namespace
}  // namespace rtparchive
