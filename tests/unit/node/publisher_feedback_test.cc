// What a WebRTC publisher hears back: NACKs while a repair can still arrive
// in time, receiver reports, transport-cc feedback; bounded against senders
// that spray.
#include "node/publisher_feedback.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "../archive/test_packets.h"

namespace rtparchive::node {
namespace {

using test::Rtp;
constexpr int kVp8 = 96, kRtx = 97, kOpus = 111;
constexpr uint32_t kSsrc = 1111, kRtxSsrc = 2222;
constexpr int kTwccId = 3;

// An RTCP packet inside a compound: type, first byte, body.
struct Found {
  uint8_t first = 0, type = 0;
  std::vector<uint8_t> bytes;
};

std::vector<Found> Split(const std::vector<uint8_t>& compound) {
  std::vector<Found> packets;
  for (size_t at = 0; at + 4 <= compound.size();) {
    const size_t size = 4 * ((compound[at + 2] << 8 | compound[at + 3]) + 1);
    packets.push_back({compound[at], compound[at + 1],
                       std::vector<uint8_t>(compound.begin() + at, compound.begin() + at + size)});
    at += size;
  }
  return packets;
}

// The sequence numbers a compound's NACKs ask for.
std::vector<uint16_t> Nacked(const std::vector<std::vector<uint8_t>>& compounds) {
  std::vector<uint16_t> asked;
  for (const auto& compound : compounds) {
    for (const Found& packet : Split(compound)) {
      if (packet.type != 205 || (packet.first & 0x1f) != 1) continue;
      for (size_t at = 12; at + 4 <= packet.bytes.size(); at += 4) {
        const uint16_t pid = packet.bytes[at] << 8 | packet.bytes[at + 1];
        const uint16_t mask = packet.bytes[at + 2] << 8 | packet.bytes[at + 3];
        asked.push_back(pid);
        for (int bit = 0; bit < 16; ++bit) {
          if (mask & (1 << bit)) asked.push_back(static_cast<uint16_t>(pid + bit + 1));
        }
      }
    }
  }
  return asked;
}

class PublisherFeedbackTest : public ::testing::Test {
 protected:
  PublisherFeedbackTest()
      : feedback_(FeedbackConfig{42, {{kVp8, 90000}, {kOpus, 48000}}, {kVp8}, {{kRtx, kVp8}}, kTwccId}) {}

  // A media packet with a transport-wide sequence number (one-byte header extension).
  bool Media(uint16_t seq, int64_t at_us, uint32_t ssrc = kSsrc) {
    std::vector<uint8_t> packet = Rtp(kVp8, seq, seq * 3000u, ssrc, false, {0xbe, 0xde, 0, 1,
                                      kTwccId << 4 | 1, static_cast<uint8_t>(transport_ >> 8),
                                      static_cast<uint8_t>(transport_), 0, 0x10, 0x01});
    packet[0] |= 0x10;  // X
    ++transport_;
    rtp::RtpPacketView view;
    EXPECT_EQ(view.Parse(packet), rtp::RtpError::kNone);
    return feedback_.OnRtp(view, at_us);
  }
  void Retransmit(uint16_t original, int64_t at_us) {
    const auto packet = Rtp(kRtx, rtx_seq_++, 0, kRtxSsrc, false,
                            {static_cast<uint8_t>(original >> 8), static_cast<uint8_t>(original), 0x10});
    rtp::RtpPacketView view;
    ASSERT_EQ(view.Parse(packet), rtp::RtpError::kNone);
    EXPECT_FALSE(feedback_.OnRtp(view, at_us));
  }

  PublisherFeedback feedback_;
  uint16_t transport_ = 500;
  uint16_t rtx_seq_ = 7;
};

TEST_F(PublisherFeedbackTest, NacksAGapAtOnceAndStopsWhenRepaired) {
  EXPECT_FALSE(Media(10, 1'000'000));
  EXPECT_TRUE(Media(13, 1'001'000));  // 11 and 12 missing
  EXPECT_THAT(Nacked(feedback_.Due(1'001'000)), ::testing::ElementsAre(11, 12));
  Retransmit(11, 1'003'000);
  EXPECT_TRUE(Nacked(feedback_.Due(1'010'000)).empty());  // too soon to ask again
  EXPECT_THAT(Nacked(feedback_.Due(1'041'000)), ::testing::ElementsAre(12));
  EXPECT_FALSE(Media(12, 1'045'000));  // late, not retransmitted: repaired all the same
  EXPECT_TRUE(Nacked(feedback_.Due(1'100'000)).empty());
  EXPECT_EQ(feedback_.counters().nacked, 2u);
  EXPECT_EQ(feedback_.counters().repaired, 2u);
  EXPECT_EQ(feedback_.counters().given_up, 0u);
}

TEST_F(PublisherFeedbackTest, NoNackWhereItWasNotNegotiated) {
  const auto first = Rtp(kOpus, 1, 0, 3333, false, {1}), third = Rtp(kOpus, 3, 1920, 3333, false, {1});
  rtp::RtpPacketView view;
  ASSERT_EQ(view.Parse(first), rtp::RtpError::kNone);
  EXPECT_FALSE(feedback_.OnRtp(view, 1000));
  ASSERT_EQ(view.Parse(third), rtp::RtpError::kNone);
  EXPECT_FALSE(feedback_.OnRtp(view, 2000));
  EXPECT_TRUE(Nacked(feedback_.Due(50'000)).empty());
}

TEST_F(PublisherFeedbackTest, GivesUpWithinTheReorderWait) {
  Media(1, 0);
  Media(3, 1000);
  int asked = 0;
  for (int64_t now = 1000; now <= 400'000; now += 10'000) asked += Nacked(feedback_.Due(now)).size();
  EXPECT_EQ(asked, PublisherFeedback::kNackTries);
  EXPECT_EQ(feedback_.counters().given_up, 1u);
  EXPECT_EQ(feedback_.counters().repaired, 0u);
}

TEST_F(PublisherFeedbackTest, ReceiverReportCountsLoss) {
  for (uint16_t seq = 0; seq < 100; ++seq) {
    if (seq % 10 != 5) Media(seq, seq * 1000);
  }
  std::vector<uint8_t> report;
  for (const auto& compound : feedback_.Due(2'000'000)) {
    for (const Found& packet : Split(compound)) {
      if (packet.type == 201 && (packet.first & 0x1f) == 1) report = packet.bytes;
    }
  }
  ASSERT_EQ(report.size(), 32u);
  EXPECT_EQ(report[12], 10 * 256 / 100);                                      // fraction lost
  EXPECT_EQ(report[13] << 16 | report[14] << 8 | report[15], 10);            // cumulative
  EXPECT_EQ(report[18] << 8 | report[19], 99);                                // highest sequence
}

TEST_F(PublisherFeedbackTest, TransportFeedbackReportsEveryArrivalOnce) {
  Media(1, 64'000);
  transport_ += 1;  // one transport sequence number lost between
  Media(2, 65'000);
  std::vector<Found> feedback;
  for (const auto& compound : feedback_.Due(100'000)) {
    for (const Found& packet : Split(compound)) {
      if (packet.type == 205 && (packet.first & 0x1f) == 15) feedback.push_back(packet);
    }
  }
  ASSERT_EQ(feedback.size(), 1u);
  EXPECT_EQ(feedback[0].bytes[12] << 8 | feedback[0].bytes[13], 500);  // base
  EXPECT_EQ(feedback[0].bytes[15], 3);                                 // 500, (501 lost), 502
  // Nothing new: no second feedback; the next one starts after 502.
  EXPECT_TRUE(feedback_.Due(200'000).empty());
  Media(3, 210'000);
  const auto next = feedback_.Due(260'000);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(Split(next[0]).back().bytes[12] << 8 | Split(next[0]).back().bytes[13], 503);
}

TEST_F(PublisherFeedbackTest, SpraysStayBounded) {
  // SSRCs past the limit are not followed; a wild jump in sequence numbers
  // is no loss to repair.
  for (uint32_t ssrc = 1; ssrc < 200; ++ssrc) Media(1, 1000, ssrc);
  Media(5000, 2000, 1);
  EXPECT_TRUE(Nacked(feedback_.Due(3000)).empty());
  for (uint16_t seq = 0; seq < 60000; seq += 300) Media(seq, 4000, 2);
  size_t asked = Nacked(feedback_.Due(5000)).size();
  EXPECT_LE(asked, PublisherFeedback::kMaxMissing);
  // Transport-wide arrivals are bounded too.
  for (int i = 0; i < 10000; ++i) Media(static_cast<uint16_t>(i), 6000, 3);
  size_t reported = 0;
  for (const auto& compound : feedback_.Due(1'000'000)) {
    for (const Found& packet : Split(compound)) {
      if (packet.type == 205 && (packet.first & 0x1f) == 15) {
        reported += packet.bytes[14] << 8 | packet.bytes[15];
      }
    }
  }
  EXPECT_LE(reported, PublisherFeedback::kMaxArrivals);
  EXPECT_GT(reported, 0u);
}

}  // namespace
}  // namespace rtparchive::node
