#include "base/wrap_around.h"

#include "gtest/gtest.h"

namespace rtparchive {
namespace {

TEST(WrapAroundTest, SequenceNumbersUnwrapAcross65535) {
  SequenceUnwrapper unwrapper;
  EXPECT_EQ(unwrapper.Unwrap(65534), 65534);
  EXPECT_EQ(unwrapper.Unwrap(65535), 65535);
  EXPECT_EQ(unwrapper.Unwrap(0), 65536);
  EXPECT_EQ(unwrapper.Unwrap(1), 65537);
  EXPECT_EQ(unwrapper.Unwrap(65535), 65535);  // a late packet goes back
}

TEST(WrapAroundTest, TimestampsUnwrapAcross32Bits) {
  TimestampUnwrapper unwrapper;
  EXPECT_EQ(unwrapper.Unwrap(0xffffff00u), 0xffffff00);
  EXPECT_EQ(unwrapper.Unwrap(0x00000100u), 0x100000100);
  EXPECT_EQ(unwrapper.Peek(0xffffff00u), 0xffffff00);
}

TEST(WrapAroundTest, ForwardDistanceIsShortestSignedStep) {
  EXPECT_EQ(ForwardDistance<uint16_t>(65535, 2), 3);
  EXPECT_EQ(ForwardDistance<uint16_t>(2, 65535), -3);
  EXPECT_EQ(ForwardDistance<uint32_t>(10, 5), -5);
}

}  // namespace
}  // namespace rtparchive
