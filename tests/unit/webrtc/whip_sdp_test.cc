// WHIP offers as Chromium writes them (the SDPs of the browser captures,
// given the DTLS lines an encrypted call has) and the node's answers.
#include "webrtc/whip_sdp.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rtparchive/archive.h"

namespace rtparchive::webrtc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFingerprint[] =
    "sha-256 AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB";

std::string ChromiumOffer(const std::string& name) {
  std::ifstream file(std::string(RTPARCHIVE_TESTDATA) + "/browser/" + name + ".sdp");
  std::stringstream text;
  text << file.rdbuf();
  // The captures were made without encryption: add what an encrypted
  // Chromium offer has after its ICE password.
  std::string sdp = absl::StrReplaceAll(text.str(), {{"RTP/AVPF", "UDP/TLS/RTP/SAVPF"}});
  size_t at = 0;
  while ((at = sdp.find("a=ice-options:trickle", at)) != std::string::npos) {
    const std::string dtls = std::string("a=fingerprint:") + kFingerprint + "\r\na=setup:actpass\r\n";
    const size_t next = sdp.find('\n', at) + 1;
    sdp.insert(next, dtls);
    at = next + dtls.size();
  }
  return sdp;
}

AnswerParameters Node() {
  return {"nodeufrag", "nodepassword0123456789", kFingerprint, "203.0.113.5", 40002, std::nullopt};
}

TEST(WhipSdpTest, ChromiumVp8OfferGetsABundledRecvonlyAnswer) {
  auto offer = ParseOffer(ChromiumOffer("chromium-plain-vp8"));
  ASSERT_TRUE(offer.ok()) << offer.status();
  EXPECT_EQ(offer->ice_ufrag, "oPku");
  EXPECT_EQ(offer->setup, "actpass");
  ASSERT_EQ(offer->sections.size(), 2u);
  auto answer = BuildAnswer(*offer, Node());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, HasSubstr("a=ice-lite\r\n"));
  EXPECT_THAT(*answer, HasSubstr("a=group:BUNDLE 0 1\r\n"));
  EXPECT_THAT(*answer, HasSubstr("m=audio 40002 UDP/TLS/RTP/SAVPF 111\r\n"));
  EXPECT_THAT(*answer, HasSubstr("m=video 40002 UDP/TLS/RTP/SAVPF 96 97\r\n"));
  EXPECT_THAT(*answer, HasSubstr("a=setup:passive\r\n"));
  EXPECT_THAT(*answer, HasSubstr("a=candidate:1 1 udp 2130706431 203.0.113.5 40002 typ host\r\n"));
  EXPECT_THAT(*answer, HasSubstr("a=rtcp-fb:96 nack pli\r\n"));
  // Congestion feedback: transport-cc (with its header extension), not REMB.
  EXPECT_THAT(*answer, HasSubstr("a=rtcp-fb:96 transport-cc\r\n"));
  EXPECT_THAT(*answer, HasSubstr("transport-wide-cc-extensions-01\r\n"));
  EXPECT_THAT(*answer, Not(HasSubstr("goog-remb")));
  EXPECT_THAT(*answer, HasSubstr("urn:3gpp:video-orientation"));
  // The recorder reads the answer as any SDP: VP8, its RTX, Opus.
  StreamOptions stream;
  ASSERT_TRUE(DescribeStreamFromSdp(*answer, &stream).ok());
  EXPECT_EQ(stream.payload_types.at(96).format, PayloadFormat::kVp8);
  EXPECT_EQ(stream.payload_types.at(97).format, PayloadFormat::kRtx);
  EXPECT_EQ(stream.payload_types.at(111).format, PayloadFormat::kOpus);
  EXPECT_EQ(stream.payload_types.size(), 3u);
}

TEST(WhipSdpTest, SimulcastOfferedIsTaken) {
  std::string sdp = ChromiumOffer("chromium-simulcast-full-vp8");
  // A RID that would break the answer's lines is not echoed.
  sdp = absl::StrReplaceAll(sdp, {{"a=rid:f send\r\n", "a=rid:f send\r\na=rid:x\ry send\r\n"}});
  auto offer = ParseOffer(sdp);
  ASSERT_TRUE(offer.ok()) << offer.status();
  auto answer = BuildAnswer(*offer, Node());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, HasSubstr("a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f\r\n"));
  EXPECT_THAT(*answer, Not(HasSubstr("x\ry")));
  EXPECT_THAT(*answer, HasSubstr("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
  // Without simulcast offered, no simulcast answered.
  auto plain = BuildAnswer(*ParseOffer(ChromiumOffer("chromium-plain-vp8")), Node());
  ASSERT_TRUE(plain.ok());
  EXPECT_THAT(*plain, Not(HasSubstr("a=simulcast")));
}

TEST(WhipSdpTest, H264OnlyOfferGetsH264) {
  std::string sdp = ChromiumOffer("chromium-plain-h264");
  auto offer = ParseOffer(sdp);
  ASSERT_TRUE(offer.ok()) << offer.status();
  // Keep only H.264 (and RTX) in the video section, as a publisher limited to it does.
  for (OfferedSection& section : offer->sections) {
    if (section.kind != "video") continue;
    std::vector<OfferedCodec> kept;
    for (const OfferedCodec& codec : section.codecs) {
      if (codec.name == "H264" || codec.name == "rtx") kept.push_back(codec);
    }
    section.codecs = kept;
  }
  auto answer = BuildAnswer(*offer, Node());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_THAT(*answer, HasSubstr("H264/90000"));
  EXPECT_THAT(*answer, HasSubstr("packetization-mode=1"));
  EXPECT_THAT(*answer, Not(HasSubstr("VP8")));
  // A recording archive's codec wins when offered.
  auto both = ParseOffer(ChromiumOffer("chromium-plain-vp8"));
  AnswerParameters h264_archive = Node();
  h264_archive.archive_video = VideoCodec::kH264;
  auto for_archive = BuildAnswer(*both, h264_archive);
  ASSERT_TRUE(for_archive.ok());
  EXPECT_THAT(*for_archive, HasSubstr("m=video 40002 UDP/TLS/RTP/SAVPF 102 103\r\n"));
}

TEST(WhipSdpTest, OffersTheNodeCannotTake) {
  EXPECT_THAT(ParseOffer("v=0\r\ns=-\r\n").status().message(), HasSubstr("no media section"));
  std::string no_fingerprint = ChromiumOffer("chromium-plain-vp8");
  no_fingerprint = absl::StrReplaceAll(no_fingerprint, {{"a=fingerprint:", "a=x-fingerprint:"}});
  EXPECT_THAT(ParseOffer(no_fingerprint).status().message(), HasSubstr("fingerprint"));
  auto passive = ParseOffer(absl::StrReplaceAll(ChromiumOffer("chromium-plain-vp8"),
                                                {{"a=setup:actpass", "a=setup:passive"}}));
  ASSERT_TRUE(passive.ok());
  EXPECT_EQ(BuildAnswer(*passive, Node()).status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string g722_only =
      "v=0\r\na=ice-ufrag:a\r\na=ice-pwd:b\r\na=fingerprint:" + std::string(kFingerprint) +
      "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=mid:0\r\na=sendonly\r\na=rtpmap:9 G722/8000\r\n";
  auto offer = ParseOffer(g722_only);
  ASSERT_TRUE(offer.ok()) << offer.status();
  EXPECT_THAT(BuildAnswer(*offer, Node()).status().message(), HasSubstr("no codec the node records"));
}

}  // namespace
}  // namespace rtparchive::webrtc
