#include "rtp/rtp_packet.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::rtp {
namespace {

TEST(RtpPacketTest, ParsesFixedHeader) {
  const std::vector<uint8_t> packet = {0x80, 0xe0,              // V=2, M=1, PT=96
                                       0x12, 0x34,              // sequence number
                                       0x00, 0x00, 0x10, 0x00,  // timestamp
                                       0xde, 0xad, 0xbe, 0xef,  // SSRC
                                       0xaa, 0xbb};             // payload
  RtpPacketView view;
  ASSERT_EQ(view.Parse(packet), RtpError::kNone);
  EXPECT_TRUE(view.marker());
  EXPECT_EQ(view.payload_type(), 96);
  EXPECT_EQ(view.sequence_number(), 0x1234);
  EXPECT_EQ(view.timestamp(), 0x1000u);
  EXPECT_EQ(view.ssrc(), 0xdeadbeefu);
  EXPECT_EQ(view.payload(), absl::Span<const uint8_t>(packet).subspan(12));
}

TEST(RtpPacketTest, SkipsCsrcsAndStripsPadding) {
  const std::vector<uint8_t> packet = {0xa2, 0x60, 0,   1, 0, 0,
                                       0,    1,    0,   0, 0, 2,  // V=2, P=1, CC=2
                                       0,    0,    0,   7,        // CSRC 1
                                       0,    0,    0,   9,        // CSRC 2
                                       0x11, 0x22,                // payload
                                       0x00, 0x00, 0x03};         // 3 bytes of padding
  RtpPacketView view;
  ASSERT_EQ(view.Parse(packet), RtpError::kNone);
  EXPECT_EQ(view.csrc_count(), 2);
  EXPECT_EQ(view.csrc(1), 9u);
  EXPECT_EQ(view.padding_size(), 3u);
  ASSERT_EQ(view.payload().size(), 2u);
  EXPECT_EQ(view.payload()[0], 0x11);
}

TEST(RtpPacketTest, FindsOneByteHeaderExtensions) {
  const std::vector<uint8_t> packet = {0x90, 0x60, 0,    1,    0, 0, 0, 1, 0, 0, 0, 2,  // X=1
                                       0xbe, 0xde, 0x00, 0x02,  // RFC 8285 one-byte, 2 words
                                       0x10, 0x55,              // id 1, 1 byte
                                       0x00,                    // padding
                                       0x22, 0x01, 0x02, 0x03,  // id 2, 3 bytes
                                       0x00,                    // padding to the word
                                       0x99};                   // payload
  RtpPacketView view;
  ASSERT_EQ(view.Parse(packet), RtpError::kNone);
  ASSERT_EQ(view.FindExtension(1).size(), 1u);
  EXPECT_EQ(view.FindExtension(1)[0], 0x55);
  ASSERT_EQ(view.FindExtension(2).size(), 3u);
  EXPECT_EQ(view.FindExtension(2)[2], 0x03);
  EXPECT_TRUE(view.FindExtension(3).empty());
  ASSERT_EQ(view.payload().size(), 1u);
  EXPECT_EQ(view.payload()[0], 0x99);
}

TEST(RtpPacketTest, FindsTwoByteHeaderExtensions) {
  const std::vector<uint8_t> packet = {
      0x90, 0x60, 0,    1,    0,    0,    0,    1,
      0,    0,    0,    2,    0x10, 0x00, 0x00, 0x02,  // RFC 8285 two-byte, 2 words
      0x05, 0x02, 0xaa, 0xbb,                          // id 5, 2 bytes
      0x20, 0x00, 0x00, 0x00,                          // id 32, empty; padding
      0x77};
  RtpPacketView view;
  ASSERT_EQ(view.Parse(packet), RtpError::kNone);
  ASSERT_EQ(view.FindExtension(5).size(), 2u);
  EXPECT_EQ(view.FindExtension(5)[1], 0xbb);
}

TEST(RtpPacketTest, RejectsLengthsPastTheEnd) {
  struct Case {
    const char* what;
    std::vector<uint8_t> packet;
    RtpError error;
  };
  const std::vector<Case> cases = {
      {"fewer than 12 bytes", {0x80, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0}, RtpError::kTooShort},
      {"version 1", {0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2}, RtpError::kBadVersion},
      {"CC=15 with no CSRCs",
       {0x8f, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0},
       RtpError::kCsrcPastEnd},
      {"extension length of 255 words",
       {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 0xff, 0x10, 0},
       RtpError::kExtensionPastEnd},
      {"element longer than its block",
       {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 0x1f, 0, 0, 0},
       RtpError::kBadExtensionElement},
      {"padding count larger than the payload",
       {0xa0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa, 0x09},
       RtpError::kBadPadding},
      {"padding count zero",
       {0xa0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xaa, 0x00},
       RtpError::kBadPadding},
  };
  for (const Case& c : cases) {
    RtpPacketView view;
    EXPECT_EQ(view.Parse(c.packet), c.error) << c.what;
  }
}

TEST(RtpPacketTest, EveryPrefixOfAPacketParsesOrFailsCleanly) {
  const std::vector<uint8_t> packet = {0xb1, 0xe0, 0,    1,    0, 0, 0,    1,    0,
                                       0,    0,    2,    0,    0, 0, 7,    0xbe, 0xde,
                                       0,    1,    0x10, 0x55, 0, 0, 0x99, 0x00, 0x02};
  for (size_t size = 0; size <= packet.size(); ++size) {
    RtpPacketView view;
    const RtpError error = view.Parse(absl::MakeConstSpan(packet.data(), size));
    if (size == packet.size()) {
      EXPECT_EQ(error, RtpError::kNone);
    }
    if (error == RtpError::kNone) {
      EXPECT_LE(view.payload().size(), size);
    }
  }
}

TEST(RtpPacketTest, DemultiplexesRtcpByPacketType) {
  const std::vector<uint8_t> sender_report = {0x80, 200, 0, 6};
  const std::vector<uint8_t> rtp_pt_96 = {0x80, 0x60, 0, 1};
  const std::vector<uint8_t> rtp_pt_96_marker = {0x80, 0xe0, 0, 1};
  EXPECT_TRUE(LooksLikeRtcp(sender_report));
  EXPECT_FALSE(LooksLikeRtcp(rtp_pt_96));
  EXPECT_FALSE(LooksLikeRtcp(rtp_pt_96_marker));
}

}  // namespace
}  // namespace rtparchive::rtp
