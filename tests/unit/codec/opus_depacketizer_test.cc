#include "codec/opus_depacketizer.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::codec {
namespace {

TEST(OpusDepacketizerTest, OnePayloadIsOneWholeFrame) {
  const std::vector<uint8_t> payload = {0xfc, 0x01, 0x02};
  PayloadInfo info;
  ASSERT_EQ(OpusDepacketizer().Parse(payload, false, &info), PayloadError::kNone);
  EXPECT_TRUE(info.starts_frame);
  EXPECT_TRUE(info.ends_frame);
  EXPECT_TRUE(info.keyframe);
  EXPECT_EQ(info.data.size(), 3u);
}

TEST(OpusDepacketizerTest, EmptyPayloadIsRejected) {
  PayloadInfo info;
  EXPECT_EQ(OpusDepacketizer().Parse({}, false, &info), PayloadError::kEmpty);
}

}  // namespace
}  // namespace rtparchive::codec
