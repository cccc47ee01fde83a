// Which datagrams a media port lets through: probation, the 5-tuple lock and
// its move, SDP lists, allowed sources, and floods that must not displace a
// real publisher.
#include "node/source_gate.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "../archive/test_packets.h"

namespace rtparchive::node {
namespace {

using test::Rtp;

Endpoint At(const std::string& text) {
  auto parsed = ParseAllowedSource(text);
  EXPECT_TRUE(parsed.ok()) << text;
  Endpoint endpoint;
  endpoint.address = parsed->address;
  endpoint.port = parsed->port;
  return endpoint;
}

class SourceGateTest : public ::testing::Test {
 protected:
  void MakeGate(SourceRules rules = {}) {
    gate_ = std::make_unique<SourceGate>(std::move(rules), "5000", &counters_,
                                         [this](absl::string_view line) {
                                           log_.emplace_back(line);
                                         });
  }
  void Offer(const Endpoint& from, const std::vector<uint8_t>& packet) {
    gate_->Offer(from, packet, now_us_, [&](absl::Span<const uint8_t> bytes, int64_t arrival) {
      delivered_.emplace_back(bytes.begin(), bytes.end());
      arrivals_.push_back(arrival);
    });
  }
  uint64_t Refused(Refusal refusal) const {
    return counters_.refused[static_cast<int>(refusal)].load();
  }

  MediaCounters counters_;
  std::vector<std::string> log_;
  std::unique_ptr<SourceGate> gate_;
  std::vector<std::vector<uint8_t>> delivered_;
  std::vector<int64_t> arrivals_;
  int64_t now_us_ = 1'000'000;
  const Endpoint publisher_ = At("192.0.2.10:40000");
  const Endpoint stranger_ = At("192.0.2.66:40000");
  const Endpoint publisher_audio_ = At("192.0.2.10:40002");
};

TEST_F(SourceGateTest, FirstPacketIsHeldAndDeliveredOnValidation) {
  MakeGate();
  const auto first = Rtp(96, 100, 0, 0xaaaa, false, {1});
  const auto second = Rtp(96, 101, 0, 0xaaaa, false, {2});
  const auto third = Rtp(96, 102, 0, 0xaaaa, false, {3});
  Offer(publisher_, first);
  now_us_ += 5000;
  Offer(publisher_, second);
  EXPECT_TRUE(delivered_.empty());
  Offer(publisher_, third);
  ASSERT_EQ(delivered_.size(), 3u);
  EXPECT_EQ(delivered_[0], first);
  EXPECT_EQ(delivered_[1], second);
  EXPECT_EQ(delivered_[2], third);
  EXPECT_EQ(arrivals_[0], 1'000'000);  // a held packet keeps its arrival time
  EXPECT_EQ(gate_->FeedbackTo(0), publisher_);
  Offer(publisher_, Rtp(96, 103, 0, 0xaaaa, false, {4}));
  EXPECT_EQ(delivered_.size(), 4u);
  // A new SSRC on the same 5-tuple (RTX, say) is trusted at once.
  Offer(publisher_, Rtp(97, 7, 0, 0xbbbb, false, {}));
  EXPECT_EQ(delivered_.size(), 5u);
}

TEST_F(SourceGateTest, HeldPacketsGoFirstWhenAnotherSsrcValidatesTheirFiveTuple) {
  // Chromium at a WHIP start: the video SSRC's first two packets (its
  // keyframe) are on probation when its RTX SSRC, probing, validates the
  // 5-tuple; the video's third packet is then trusted at once, and the two
  // held before it must not be left behind.
  MakeGate();
  const auto key_start = Rtp(96, 4804, 10, 0xaaaa, false, {1});
  const auto key_end = Rtp(96, 4805, 10, 0xaaaa, true, {2});
  Offer(publisher_, key_start);
  Offer(publisher_, key_end);
  for (uint16_t seq = 29089; seq < 29092; ++seq) Offer(publisher_, Rtp(97, seq, 0, 0xbbbb, false, {9}));
  ASSERT_EQ(delivered_.size(), 3u);  // the RTX SSRC validated
  const auto next = Rtp(96, 4806, 20, 0xaaaa, true, {3});
  Offer(publisher_, next);
  ASSERT_EQ(delivered_.size(), 6u);
  EXPECT_EQ(delivered_[3], key_start);
  EXPECT_EQ(delivered_[4], key_end);
  EXPECT_EQ(delivered_[5], next);
}

TEST_F(SourceGateTest, ReorderedFirstPacketsValidateToo) {
  MakeGate();
  Offer(publisher_, Rtp(96, 101, 0, 7, false, {}));
  Offer(publisher_, Rtp(96, 104, 0, 7, false, {}));  // 102 and 103 lost or late
  Offer(publisher_, Rtp(96, 103, 0, 7, false, {}));  // late: held, not counted
  EXPECT_TRUE(delivered_.empty());
  Offer(publisher_, Rtp(96, 105, 0, 7, false, {}));
  EXPECT_EQ(delivered_.size(), 4u);
}

TEST_F(SourceGateTest, RandomSsrcSprayNeverTakesAPlaceOrEvictsThePublisher) {
  MakeGate();
  std::mt19937 random(7);
  // The spray starts first and goes on between the publisher's packets.
  for (int i = 0; i < 1000; ++i) {
    Offer(stranger_, Rtp(96, static_cast<uint16_t>(random()), 0, random(), false, {}));
  }
  int sent = 0;
  for (int i = 0; i < 50; ++i) {
    Offer(publisher_, Rtp(111, static_cast<uint16_t>(i), 0, 0xa0d10, false, {}));
    ++sent;
    for (int j = 0; j < 100; ++j) {
      Offer(stranger_, Rtp(96, static_cast<uint16_t>(random()), 0, random(), false, {}));
    }
  }
  EXPECT_EQ(delivered_.size(), static_cast<size_t>(sent));
  EXPECT_EQ(gate_->FeedbackTo(0), publisher_);
  // Once locked, the stranger is refused before probation.
  EXPECT_GT(Refused(Refusal::kOtherSource), 4000u);
  EXPECT_GT(Refused(Refusal::kUnvalidatedSsrc), 900u);
  // One log line per reason, not per packet.
  EXPECT_LE(log_.size(), 3u);
}

TEST_F(SourceGateTest, SameSsrcsFromAnotherAddressAreRefusedWhileThePublisherSends) {
  MakeGate();
  // Sprayed first with random sequence numbers, the publisher's SSRC never validates.
  std::mt19937 random(3);
  for (int i = 0; i < 20000; ++i) {
    Offer(stranger_, Rtp(96, static_cast<uint16_t>(random()), 0, 5, false, {}));
  }
  EXPECT_FALSE(gate_->FeedbackTo(5).has_value());
  for (int i = 0; i < 10; ++i) Offer(publisher_, Rtp(96, static_cast<uint16_t>(i), 0, 5, false, {}));
  for (int i = 10; i < 20; ++i) {
    Offer(stranger_, Rtp(96, static_cast<uint16_t>(i), 0, 5, false, {}));
    Offer(publisher_, Rtp(96, static_cast<uint16_t>(i), 0, 5, false, {}));
  }
  EXPECT_EQ(delivered_.size(), 20u);
  EXPECT_EQ(Refused(Refusal::kOtherSource), 10u);
  EXPECT_EQ(gate_->FeedbackTo(5), publisher_);
}

TEST_F(SourceGateTest, OnePortPerMediumFromThePublishersAddress) {
  MakeGate();
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(96, seq, 0, 5, false, {}));
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_audio_, Rtp(111, seq, 0, 6, false, {}));
  EXPECT_EQ(delivered_.size(), 6u);
  EXPECT_EQ(gate_->FeedbackTo(5), publisher_);
  EXPECT_EQ(gate_->FeedbackTo(6), publisher_audio_);
  // The video SSRC sent from the audio port, while the video port sends: refused.
  Offer(publisher_audio_, Rtp(96, 4, 0, 5, false, {}));
  Offer(publisher_audio_, Rtp(96, 5, 0, 5, false, {}));
  Offer(publisher_, Rtp(96, 4, 0, 5, false, {}));
  EXPECT_EQ(delivered_.size(), 7u);
  EXPECT_EQ(Refused(Refusal::kOtherSource), 2u);
}

TEST_F(SourceGateTest, LockMovesOnlyAfterThePublisherWentSilent) {
  MakeGate();
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(96, seq, 0, 5, false, {}));
  now_us_ += SourceGate::kSilenceBeforeMoveUs - 1;
  Offer(stranger_, Rtp(96, 4, 0, 5, false, {}));
  EXPECT_EQ(Refused(Refusal::kOtherSource), 1u);
  now_us_ += 1;
  const Endpoint moved = At("198.51.100.4:1234");
  for (uint16_t seq : {5, 6, 7}) Offer(moved, Rtp(96, seq, 0, 5, false, {}));
  EXPECT_EQ(delivered_.size(), 6u);
  EXPECT_EQ(gate_->FeedbackTo(0), moved);
  EXPECT_EQ(counters_.source_moves.load(), 1u);
  Offer(publisher_, Rtp(96, 8, 0, 5, false, {}));  // the old address is now the stranger
  EXPECT_EQ(delivered_.size(), 6u);
}

TEST_F(SourceGateTest, RtcpOnlyFromTheLockedAddress) {
  MakeGate();
  const std::vector<uint8_t> receiver_report = {0x80, 201, 0, 1, 0, 0, 0, 9};
  Offer(publisher_, receiver_report);
  EXPECT_EQ(Refused(Refusal::kRtcpBeforeMedia), 1u);
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(96, seq, 0, 5, false, {}));
  Offer(publisher_, receiver_report);
  Offer(stranger_, receiver_report);
  EXPECT_EQ(delivered_.size(), 4u);
  EXPECT_EQ(Refused(Refusal::kOtherSource), 1u);
}

TEST_F(SourceGateTest, GarbageIsCountedNotLoggedPerPacket) {
  MakeGate();
  for (int i = 0; i < 100; ++i) Offer(stranger_, {0x01, 0x02, 0x03});
  for (int i = 0; i < 100; ++i) Offer(stranger_, {0x80, 0x60, 0, 1, 0, 0});  // short RTP
  EXPECT_EQ(Refused(Refusal::kNotRtp), 200u);
  EXPECT_EQ(counters_.received.load(), 200u);
  EXPECT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], ::testing::HasSubstr("not RTP"));
}

TEST_F(SourceGateTest, SdpListsRefuseOthers) {
  SourceRules rules;
  rules.ssrcs_by_payload_type = {{111, {5, 6}}};  // the audio section lists SSRCs, video none
  MakeGate(rules);
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(111, seq, 0, 9, false, {}));
  EXPECT_EQ(Refused(Refusal::kUnlistedSsrc), 3u);
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(111, seq, 0, 5, false, {}));
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(96, seq, 0, 9, false, {}));
  EXPECT_EQ(delivered_.size(), 6u);
}

TEST_F(SourceGateTest, UnlistedMidIsRefused) {
  SourceRules rules;
  rules.mids = {"0", "1"};
  rules.mid_extension_id = 3;
  MakeGate(rules);
  // One-byte header extension (RFC 8285): id 3, length 1, value "7".
  auto with_mid = [](uint16_t seq, char mid) {
    auto packet = Rtp(96, seq, 0, 5, false, {});
    packet[0] |= 0x10;
    const std::vector<uint8_t> extension = {0xbe, 0xde, 0, 1, 0x30, static_cast<uint8_t>(mid), 0, 0};
    packet.insert(packet.end(), extension.begin(), extension.end());
    return packet;
  };
  Offer(publisher_, with_mid(1, '7'));
  EXPECT_EQ(Refused(Refusal::kUnlistedMid), 1u);
  for (uint16_t seq : {2, 3, 4}) Offer(publisher_, with_mid(seq, '1'));
  EXPECT_EQ(delivered_.size(), 3u);
}

TEST_F(SourceGateTest, AllowedSourceRefusesTheRest) {
  SourceRules rules;
  rules.allowed = *ParseAllowedSource("192.0.2.0/28");
  MakeGate(rules);
  Offer(stranger_, Rtp(96, 1, 0, 5, false, {}));  // .66 is outside /28
  Offer(stranger_, Rtp(96, 2, 0, 5, false, {}));
  EXPECT_EQ(Refused(Refusal::kSourceNotAllowed), 2u);
  for (uint16_t seq : {1, 2, 3}) Offer(publisher_, Rtp(96, seq, 0, 5, false, {}));
  EXPECT_EQ(delivered_.size(), 3u);
}

TEST_F(SourceGateTest, SsrcBudgetIsBounded) {
  MakeGate();
  // Each SSRC from its own port of the publisher's address, so each is on probation.
  for (uint32_t ssrc = 1; ssrc <= SourceGate::kMaxSsrcs + 3; ++ssrc) {
    Endpoint from = publisher_;
    from.port = static_cast<uint16_t>(1000 + ssrc);
    for (uint16_t seq : {1, 2, 3}) Offer(from, Rtp(96, seq, 0, ssrc, false, {}));
  }
  EXPECT_EQ(delivered_.size(), 3 * SourceGate::kMaxSsrcs);
  EXPECT_EQ(Refused(Refusal::kTooManySsrcs), 9u);
}

TEST(AllowedSourceTest, Forms) {
  EXPECT_TRUE(ParseAllowedSource("10.0.0.5")->Allows(At("10.0.0.5:9")));
  EXPECT_FALSE(ParseAllowedSource("10.0.0.5")->Allows(At("10.0.0.6:9")));
  EXPECT_TRUE(ParseAllowedSource("10.0.0.5:5004")->Allows(At("10.0.0.5:5004")));
  EXPECT_FALSE(ParseAllowedSource("10.0.0.5:5004")->Allows(At("10.0.0.5:5005")));
  EXPECT_TRUE(ParseAllowedSource("10.1.0.0/16")->Allows(At("10.1.200.3:1")));
  EXPECT_FALSE(ParseAllowedSource("10.1.0.0/16")->Allows(At("10.2.0.3:1")));
  // An IPv4 /0 covers the IPv4-mapped space only.
  EXPECT_TRUE(ParseAllowedSource("10.1.2.3/0")->Allows(At("203.0.113.1:1")));
  EXPECT_FALSE(ParseAllowedSource("10.1.2.3/0")->Allows(At("[2001:db8::1]:1")));
  EXPECT_TRUE(ParseAllowedSource("2001:db8::/32")->Allows(At("[2001:db8:5::1]:7")));
  EXPECT_TRUE(ParseAllowedSource("[::1]:5004")->Allows(At("[::1]:5004")));
  EXPECT_EQ(At("[::1]:5004").ToString(), "[::1]:5004");
  EXPECT_EQ(At("127.0.0.1:80").ToString(), "127.0.0.1:80");
  for (const char* bad : {"", "10.0.0.300", "10.0.0.1/33", "10.0.0.1:0", "10.0.0.1:x",
                          "[::1]", "example.com", "::1/129", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParseAllowedSource(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace rtparchive::node
