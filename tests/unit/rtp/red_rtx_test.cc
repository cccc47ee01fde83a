// RED (RFC 2198) blocks, RTX (RFC 4588) restoring, and the header
// extensions rtparchive reads, on hand-built payloads.
#include <vector>

#include "gtest/gtest.h"
#include "rtp/header_extensions.h"
#include "rtp/red_payload.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtx_packet.h"

namespace rtparchive::rtp {
namespace {

TEST(RedPayloadTest, OneBlockIsThePrimaryOnly) {
  // WebRTC video: F=0, PT 96, then the VP8 payload.
  const std::vector<uint8_t> payload = {96, 0x10, 0x01, 0xaa};
  RedBlocks blocks;
  ASSERT_EQ(ParseRed(payload, &blocks), RedError::kNone);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].payload_type, 96);
  EXPECT_EQ(blocks[0].timestamp_offset, 0u);
  EXPECT_EQ(std::vector<uint8_t>(blocks[0].data.begin(), blocks[0].data.end()),
            (std::vector<uint8_t>{0x10, 0x01, 0xaa}));
}

TEST(RedPayloadTest, RedundantBlocksComeFirstWithOffsetsAndLengths) {
  // Two redundant Opus frames (1920 and 960 ticks old, 2 and 3 bytes), then the primary.
  const std::vector<uint8_t> payload = {
      0x80 | 111, 1920 >> 6, ((1920 & 0x3f) << 2) | 0, 2,  // F=1, offset 1920, length 2
      0x80 | 111, 960 >> 6,  ((960 & 0x3f) << 2) | 0,  3,  // F=1, offset 960, length 3
      111,                                                 // primary header
      0xa1, 0xa2, 0xb1, 0xb2, 0xb3, 0xc1};
  RedBlocks blocks;
  ASSERT_EQ(ParseRed(payload, &blocks), RedError::kNone);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].timestamp_offset, 1920u);
  EXPECT_EQ(blocks[0].data.size(), 2u);
  EXPECT_EQ(blocks[0].data[0], 0xa1);
  EXPECT_EQ(blocks[1].timestamp_offset, 960u);
  EXPECT_EQ(blocks[1].data.size(), 3u);
  EXPECT_EQ(blocks[1].data[2], 0xb3);
  EXPECT_EQ(blocks[2].payload_type, 111);
  ASSERT_EQ(blocks[2].data.size(), 1u);
  EXPECT_EQ(blocks[2].data[0], 0xc1);
}

TEST(RedPayloadTest, RejectsHeadersAndLengthsPastTheEnd) {
  RedBlocks blocks;
  EXPECT_EQ(ParseRed({}, &blocks), RedError::kEmpty);
  const std::vector<uint8_t> cut_header = {0x80 | 111, 0x00};
  EXPECT_EQ(ParseRed(cut_header, &blocks), RedError::kHeaderPastEnd);
  const std::vector<uint8_t> no_primary_header = {0x80 | 111, 0, 0, 1};
  EXPECT_EQ(ParseRed(no_primary_header, &blocks), RedError::kHeaderPastEnd);
  const std::vector<uint8_t> long_block = {0x80 | 111, 0, 0, 9, 111, 0x01};
  EXPECT_EQ(ParseRed(long_block, &blocks), RedError::kBlockLengthPastEnd);
  EXPECT_TRUE(blocks.empty());
  std::vector<uint8_t> many;
  for (size_t i = 0; i < kMaxRedBlocks + 1; ++i) many.insert(many.end(), {0x80 | 111, 0, 0, 0});
  many.push_back(111);
  EXPECT_EQ(ParseRed(many, &blocks), RedError::kTooManyBlocks);
}

// An RTX packet (PT 97, SSRC 0x0a0b0c0d, seq 7) with a one-byte header
// extension, OSN 0x1234, two payload bytes and two bytes of padding.
const std::vector<uint8_t> kRtx = {0xb0, 0x80 | 97, 0, 7, 0, 0, 0x30, 0x39, 0x0a, 0x0b, 0x0c, 0x0d,
                                   0xbe, 0xde, 0, 1,     // one-byte extensions, 1 word
                                   0x40, 0x2a, 0, 0,     // ID 4, 1 byte: 0x2a
                                   0x12, 0x34,           // original sequence number
                                   0x55, 0x66,           // original payload
                                   0x00, 0x02};          // padding
TEST(RtxPacketTest, RestoresTheOriginalPacket) {
  RtpPacketView rtx;
  ASSERT_EQ(rtx.Parse(kRtx), RtpError::kNone);
  ASSERT_TRUE(HasRetransmission(rtx));
  const std::vector<uint8_t> restored = RestoreRetransmission(rtx, 118, 0x01020304);
  RtpPacketView original;
  ASSERT_EQ(original.Parse(restored), RtpError::kNone);
  EXPECT_EQ(original.payload_type(), 118);
  EXPECT_TRUE(original.marker());
  EXPECT_EQ(original.sequence_number(), 0x1234);
  EXPECT_EQ(original.ssrc(), 0x01020304u);
  EXPECT_EQ(original.timestamp(), 0x3039u);
  EXPECT_EQ(original.padding_size(), 0u);
  EXPECT_EQ(std::vector<uint8_t>(original.payload().begin(), original.payload().end()),
            (std::vector<uint8_t>{0x55, 0x66}));
  ASSERT_EQ(original.FindExtension(4).size(), 1u);
  EXPECT_EQ(original.FindExtension(4)[0], 0x2a);
}

TEST(RtxPacketTest, PaddingOnlyProbesCarryNoRetransmission) {
  // Chromium's bandwidth probes: header, no payload, 224 bytes of padding.
  std::vector<uint8_t> probe = {0xa0, 97, 0, 8, 0, 0, 0, 1, 0x0a, 0x0b, 0x0c, 0x0d};
  probe.resize(probe.size() + 224, 0);
  probe.back() = 224;
  RtpPacketView rtx;
  ASSERT_EQ(rtx.Parse(probe), RtpError::kNone);
  EXPECT_FALSE(HasRetransmission(rtx));
}

TEST(HeaderExtensionsTest, VideoOrientationInOneAndTwoByteForm) {
  // One-byte form (0xBEDE): ID 13, one byte, R=1 (90 degrees).
  const std::vector<uint8_t> one_byte = {0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                                         0xbe, 0xde, 0, 1, 0xd0, 0x01, 0, 0, 0xff};
  // Two-byte form (0x1000, RFC 8285 §4.3): ID 13, length 1, R=3 (270 degrees).
  const std::vector<uint8_t> two_byte = {0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                                         0x10, 0x00, 0, 1, 13, 1, 0x03, 0, 0xff};
  RtpPacketView view;
  ASSERT_EQ(view.Parse(one_byte), RtpError::kNone);
  EXPECT_EQ(ParseVideoOrientation(view.FindExtension(13)), 90);
  ASSERT_EQ(view.Parse(two_byte), RtpError::kNone);
  EXPECT_EQ(ParseVideoOrientation(view.FindExtension(13)), 270);
  EXPECT_EQ(ParseVideoOrientation({}), std::nullopt);
}

TEST(HeaderExtensionsTest, MidIsPrintableText) {
  const std::vector<uint8_t> mid = {'v', '1'};
  EXPECT_EQ(ParseMid(mid), "v1");
  const std::vector<uint8_t> control = {'a', 0x01};
  EXPECT_EQ(ParseMid(control), std::nullopt);
  EXPECT_EQ(ParseMid({}), std::nullopt);
}

}  // namespace
}  // namespace rtparchive::rtp
