#include "rtparchive/media.h"

#include "gtest/gtest.h"

namespace rtparchive {
namespace {

TEST(ChooseVideoCodecTest, H264OnlyWhenNoVp8IsSent) {
  using F = PayloadFormat;
  EXPECT_EQ(ChooseVideoCodec({}), VideoCodec::kVp8);
  EXPECT_EQ(ChooseVideoCodec({F::kOpus}), VideoCodec::kVp8);
  EXPECT_EQ(ChooseVideoCodec({F::kH264}), VideoCodec::kH264);
  EXPECT_EQ(ChooseVideoCodec({F::kOpus, F::kRed, F::kRtx, F::kH264}), VideoCodec::kH264);
  // A browser offers both: the project's codec wins.
  EXPECT_EQ(ChooseVideoCodec({F::kH264, F::kVp8}), VideoCodec::kVp8);
  EXPECT_EQ(ChooseVideoCodec({F::kVp8, F::kH264}), VideoCodec::kVp8);
}

TEST(KindOfTest, WrappersTakeTheKindOfTheirClock) {
  EXPECT_EQ(KindOf({PayloadFormat::kOpus, 48000}), MediaKind::kAudio);
  EXPECT_EQ(KindOf({PayloadFormat::kH264, 90000}), MediaKind::kVideo);
  EXPECT_EQ(KindOf({PayloadFormat::kRed, 90000}), MediaKind::kVideo);
  EXPECT_EQ(KindOf({PayloadFormat::kRed, 48000}), MediaKind::kAudio);
}

}  // namespace
}  // namespace rtparchive
