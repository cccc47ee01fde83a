#include "codec/vp8_depacketizer.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::codec {
namespace {

// Keyframe header: frame tag (P=0), start code, 640x480 little-endian.
const std::vector<uint8_t> kKeyframeStart = {0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a,
                                             0x80, 0x02, 0xe0, 0x01, 0xaa};

std::vector<uint8_t> WithDescriptor(std::vector<uint8_t> descriptor,
                                    const std::vector<uint8_t>& frame) {
  descriptor.insert(descriptor.end(), frame.begin(), frame.end());
  return descriptor;
}

TEST(Vp8DepacketizerTest, MinimalDescriptorStartsAKeyframe) {
  const auto payload = WithDescriptor({0x10}, kKeyframeStart);  // S=1, PID=0
  PayloadInfo info;
  ASSERT_EQ(Vp8Depacketizer().Parse(payload, true, &info), PayloadError::kNone);
  EXPECT_TRUE(info.starts_frame);
  EXPECT_TRUE(info.ends_frame);
  EXPECT_TRUE(info.keyframe);
  EXPECT_FALSE(info.frame_number.has_value());
  EXPECT_EQ(info.data.size(), kKeyframeStart.size());
  auto size = Vp8Depacketizer().KeyframeSize(info.data);
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->width, 640);
  EXPECT_EQ(size->height, 480);
}

TEST(Vp8DepacketizerTest, ReadsEveryOptionalField) {
  // X=1,S=1 | I,L,T,K | M=1 PictureID 0x1234 | TL0PICIDX | TID/Y/KEYIDX
  const auto payload = WithDescriptor({0x90, 0xf0, 0x92, 0x34, 0x05, 0x40}, {0x01, 0xff});
  PayloadInfo info;
  ASSERT_EQ(Vp8Depacketizer().Parse(payload, false, &info), PayloadError::kNone);
  EXPECT_TRUE(info.starts_frame);
  EXPECT_FALSE(info.keyframe);  // P=1: inter frame
  EXPECT_FALSE(info.ends_frame);
  ASSERT_TRUE(info.frame_number.has_value());
  EXPECT_EQ(info.frame_number->value, 0x1234u);
  EXPECT_EQ(info.frame_number->modulus, 32768u);
  ASSERT_EQ(info.data.size(), 2u);
}

TEST(Vp8DepacketizerTest, SevenBitPictureIdAndContinuation) {
  // X=1, S=0 (continuation) | I | 7-bit PictureID 5
  const auto payload = WithDescriptor({0x80, 0x80, 0x05}, {0x00});
  PayloadInfo info;
  ASSERT_EQ(Vp8Depacketizer().Parse(payload, false, &info), PayloadError::kNone);
  EXPECT_FALSE(info.starts_frame);
  EXPECT_EQ(info.frame_number->value, 5u);
  EXPECT_EQ(info.frame_number->modulus, 128u);
}

TEST(Vp8DepacketizerTest, LaterPartitionIsNotAFrameStart) {
  const auto payload = WithDescriptor({0x11}, {0x00});  // S=1 but PID=1
  PayloadInfo info;
  ASSERT_EQ(Vp8Depacketizer().Parse(payload, false, &info), PayloadError::kNone);
  EXPECT_FALSE(info.starts_frame);
}

TEST(Vp8DepacketizerTest, DescriptorCutAfterAnyByteIsRejected) {
  const std::vector<uint8_t> descriptor = {0x90, 0xf0, 0x92, 0x34, 0x05, 0x40};
  for (size_t size = 0; size <= descriptor.size(); ++size) {
    PayloadInfo info;
    const PayloadError error =
        Vp8Depacketizer().Parse(absl::MakeConstSpan(descriptor.data(), size), false, &info);
    EXPECT_NE(error, PayloadError::kNone) << "cut after " << size << " bytes";
  }
}

TEST(Vp8DepacketizerTest, KeyframeSizeNeedsTheStartCode) {
  std::vector<uint8_t> broken = kKeyframeStart;
  broken[4] = 0x00;
  EXPECT_FALSE(Vp8Depacketizer().KeyframeSize(broken).has_value());
  EXPECT_FALSE(
      Vp8Depacketizer().KeyframeSize(absl::MakeConstSpan(kKeyframeStart.data(), 9)).has_value());
}

}  // namespace
}  // namespace rtparchive::codec
