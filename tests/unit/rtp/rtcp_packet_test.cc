#include "rtp/rtcp_packet.h"

#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::rtp {
namespace {

// SR (no report blocks) + SDES with CNAME "ab", as one compound packet.
std::vector<uint8_t> SenderReportWithCname() {
  return {
      0x80, 200,  0x00, 0x06,  // SR, length 6 words
      0x11, 0x22, 0x33, 0x44,  // sender SSRC
      0xe1, 0xb6, 0x5f, 0x80,  // NTP seconds (2020-01-01)
      0x80, 0x00, 0x00, 0x00,  // NTP fraction: 0.5 s
      0x00, 0x01, 0x00, 0x00,  // RTP timestamp
      0x00, 0x00, 0x00, 0x0a,  // packet count
      0x00, 0x00, 0x01, 0x00,  // octet count
      0x81, 202,  0x00, 0x02,  // SDES, 1 chunk, length 2 words
      0x11, 0x22, 0x33, 0x44,  // SSRC
      0x01, 0x02, 'a',  'b',   // CNAME "ab"; the chunk's end follows
  };
}

TEST(RtcpPacketTest, ParsesSenderReportAndCname) {
  std::vector<uint8_t> packet = SenderReportWithCname();
  packet.insert(packet.end(), {0x00, 0x00, 0x00, 0x00});  // end item + padding
  packet[30] = 0x00, packet[31] = 0x03;                   // SDES is 3 words now
  RtcpCompound compound;
  ASSERT_EQ(ParseRtcpCompound(packet, &compound), RtcpError::kNone);
  EXPECT_EQ(compound.sender_ssrc, 0x11223344u);
  ASSERT_EQ(compound.sender_reports.size(), 1u);
  EXPECT_EQ(compound.sender_reports[0].rtp_timestamp, 0x10000u);
  EXPECT_EQ(compound.sender_reports[0].packet_count, 10u);
  EXPECT_EQ(NtpToUnixMicros(compound.sender_reports[0].ntp_time), 1577836800'500000);
  ASSERT_EQ(compound.cnames.size(), 1u);
  EXPECT_EQ(compound.cnames[0].cname, "ab");
}

TEST(RtcpPacketTest, KeepsWhatParsedBeforeABrokenPacket) {
  // SDES whose item runs past its packet.
  std::vector<uint8_t> packet = SenderReportWithCname();
  packet[37] = 0x09;  // CNAME length 9
  RtcpCompound compound;
  EXPECT_EQ(ParseRtcpCompound(packet, &compound), RtcpError::kBadSdes);
  EXPECT_EQ(compound.sender_reports.size(), 1u);
}

TEST(RtcpPacketTest, RejectsLengthPastTheDatagram) {
  std::vector<uint8_t> packet = SenderReportWithCname();
  packet[3] = 0x40;  // SR length 64 words
  RtcpCompound compound;
  EXPECT_EQ(ParseRtcpCompound(packet, &compound), RtcpError::kLengthPastEnd);
}

TEST(RtcpPacketTest, EveryPrefixFailsCleanly) {
  const std::vector<uint8_t> packet = SenderReportWithCname();
  for (size_t size = 0; size < packet.size(); ++size) {
    RtcpCompound compound;
    ParseRtcpCompound(absl::MakeConstSpan(packet.data(), size), &compound);
  }
}

TEST(RtcpPacketTest, BuildsAPictureLossIndication) {
  // RFC 4585 §6.1 and §6.3.1: V=2, FMT=1, PT=206 (PSFB), length 2 words.
  EXPECT_EQ(BuildPli(0x72617263, 0x01020304),
            (std::vector<uint8_t>{0x81, 206, 0, 2, 0x72, 0x61, 0x72, 0x63, 1, 2, 3, 4}));
  RtcpCompound compound;
  EXPECT_EQ(ParseRtcpCompound(BuildPli(1, 2), &compound), RtcpError::kNone);
}

}  // namespace
}  // namespace rtparchive::rtp
