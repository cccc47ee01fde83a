// The feedback the node sends, byte by byte as RFC 3550 / RFC 4585 and the
// transport-cc draft lay it out.
#include "rtp/rtcp_feedback.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::rtp {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

TEST(RtcpFeedbackTest, NackPacksRunsOfSeventeen) {
  std::vector<uint8_t> out;
  const std::vector<uint16_t> missing = {100, 101, 116, 117, 65535};
  AppendNack(0x01020304, 0x0a0b0c0d, missing, &out);
  // 100 with 101 (bit 0) and 116 (bit 15); 117 is 17 after 100: a new FCI;
  // 65535 is before 100, so it starts its own.
  EXPECT_THAT(out, ElementsAreArray<uint8_t>({0x81, 205, 0, 5, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d,
                                              0, 100, 0x80, 0x01, 0, 117, 0, 0, 0xff, 0xff, 0, 0}));
}

TEST(RtcpFeedbackTest, NackAcrossTheWrap) {
  std::vector<uint8_t> out;
  const std::vector<uint16_t> missing = {65534, 0, 1};
  AppendNack(1, 2, missing, &out);
  EXPECT_THAT(std::vector<uint8_t>(out.begin() + 12, out.end()), ElementsAre(0xff, 0xfe, 0x00, 0x06));
}

TEST(RtcpFeedbackTest, NoNackForNothing) {
  std::vector<uint8_t> out;
  AppendNack(1, 2, {}, &out);
  EXPECT_TRUE(out.empty());
}

TEST(RtcpFeedbackTest, ReceiverReportBlock) {
  ReportBlock block;
  block.ssrc = 0x11223344;
  block.fraction_lost = 25;
  block.cumulative_lost = -3;
  block.extended_highest_sequence = 0x00010002;
  block.jitter = 77;
  block.last_sender_report = 0xaabbccdd;
  block.delay_since_sender_report = 0x00010000;
  std::vector<uint8_t> out;
  AppendReceiverReport(0x72617263, {&block, 1}, &out);
  EXPECT_THAT(out, ElementsAreArray<uint8_t>({0x81, 201, 0, 7, 0x72, 0x61, 0x72, 0x63,
                                              0x11, 0x22, 0x33, 0x44, 25, 0xff, 0xff, 0xfd,
                                              0, 1, 0, 2, 0, 0, 0, 77,
                                              0xaa, 0xbb, 0xcc, 0xdd, 0, 1, 0, 0}));
}

TEST(RtcpFeedbackTest, EmptyReceiverReportAndClampedLoss) {
  std::vector<uint8_t> out;
  AppendReceiverReport(7, {}, &out);
  EXPECT_THAT(out, ElementsAre(0x80, 201, 0, 1, 0, 0, 0, 7));
  ReportBlock block;
  block.cumulative_lost = 1 << 30;
  out.clear();
  AppendReceiverReport(7, {&block, 1}, &out);
  EXPECT_THAT(std::vector<uint8_t>(out.begin() + 13, out.begin() + 16), ElementsAre(0x7f, 0xff, 0xff));
}

TEST(RtcpFeedbackTest, TransportFeedbackSmallLargeAndLost) {
  // 10 arrives 40 ms after the reference time (15 x 64 ms), 11 is lost, 12
  // arrives 100 ms after 10 (a large delta), 13 is lost at the end (left for
  // the next feedback).
  const std::vector<TransportArrival> arrivals = {
      {10, 1'000'000}, {11, -1}, {12, 1'100'000}, {13, -1}};
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendTransportFeedback(1, 2, 9, arrivals, &out), 3u);
  EXPECT_THAT(out, ElementsAreArray<uint8_t>({0xaf, 205, 0, 6, 0, 0, 0, 1, 0, 0, 0, 2,
                                              0, 10, 0, 3,           // base 10, 3 statuses
                                              0, 0, 15, 9,           // reference 15, count 9
                                              0xd2, 0x00,            // 2-bit vector: 1 0 2
                                              160, 0x01, 0x90,       // 160 ticks; 400 ticks
                                              0, 0, 3}));            // padding, counted
}

TEST(RtcpFeedbackTest, TransportFeedbackStopsBeforeAHugeGap) {
  const std::vector<TransportArrival> arrivals = {{1, 64'000}, {2, 64'000 + 9'000'000}};
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendTransportFeedback(1, 2, 0, arrivals, &out), 1u);
  EXPECT_EQ(out.size() % 4, 0u);
  EXPECT_EQ(AppendTransportFeedback(1, 2, 0, {{{5, -1}}}, &out), 0u);  // must start with an arrival
}

TEST(RtcpFeedbackTest, TransportFeedbackChunksOfSeven) {
  std::vector<TransportArrival> arrivals;
  for (int i = 0; i < 9; ++i) arrivals.push_back({static_cast<uint16_t>(65530 + i), 64'000 + i * 1000});
  std::vector<uint8_t> out;
  EXPECT_EQ(AppendTransportFeedback(1, 2, 0, arrivals, &out), 9u);
  // Two chunks: seven small deltas, then two.
  EXPECT_THAT(std::vector<uint8_t>(out.begin() + 20, out.begin() + 24), ElementsAre(0xd5, 0x55, 0xd4, 0x00));
  EXPECT_THAT(std::vector<uint8_t>(out.begin() + 24, out.begin() + 33), ElementsAre(0, 4, 4, 4, 4, 4, 4, 4, 4));
}

}  // namespace
}  // namespace rtparchive::rtp
