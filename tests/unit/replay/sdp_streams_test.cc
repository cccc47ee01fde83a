// Streams found from a browser's SDP: a=ssrc lines, FID groups, a=msid, and
// the mid header extension when the SDP has no a=ssrc lines.
#include "replay/sdp_streams.h"

#include "gtest/gtest.h"

namespace rtparchive::replay {
namespace {

// Chromium's offer, cut down: Opus, VP8 in RED with RTX and ULPFEC,
// session-level and media-level extmaps, SSRCs with their FID group.
constexpr char kOffer[] =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n"
    "a=mid:0\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=msid:- audio-track\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=ssrc:1111 cname:abc\r\n"
    "a=ssrc:1111 msid:- audio-track\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 118 119 120\r\n"
    "a=mid:1\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3/sendonly http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=msid:- video-track\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:118 red/90000\r\n"
    "a=rtpmap:119 rtx/90000\r\n"
    "a=fmtp:119 apt=118\r\n"
    "a=rtpmap:120 ulpfec/90000\r\n"
    "a=ssrc-group:FID 2222 3333\r\n"
    "a=ssrc:2222 cname:abc\r\n"
    "a=ssrc:2222 msid:- video-track\r\n"
    "a=ssrc:3333 cname:abc\r\n"
    "a=ssrc:3333 msid:- video-track\r\n";

std::string WithoutSsrcLines(const std::string& sdp) {
  std::string kept;
  size_t start = 0;
  while (start < sdp.size()) {
    const size_t end = sdp.find('\n', start);
    const std::string line = sdp.substr(start, end - start + 1);
    if (line.rfind("a=ssrc", 0) != 0) kept += line;
    start = end + 1;
  }
  return kept;
}

DiscoveredTrack Track(uint32_t ssrc, int payload_type, std::string mid = "") {
  DiscoveredTrack track;
  track.ssrc = ssrc;
  track.payload_type = payload_type;
  track.mid = std::move(mid);
  track.cname = "cname-" + std::to_string(ssrc);  // RTCP names each differently
  return track;
}

TEST(SdpStreamsTest, ReadsWhatABrowserOfferSays) {
  auto description = sdp::ParseSdp(kOffer);
  ASSERT_TRUE(description.ok()) << description.status();
  ASSERT_EQ(description->media.size(), 2u);
  const sdp::SdpMediaSection& video = description->media[1];
  EXPECT_EQ(video.kind, "video");
  EXPECT_EQ(video.mid, "1");
  EXPECT_EQ(video.msid_track, "video-track");
  EXPECT_EQ(video.payload_types.at(118).format, PayloadFormat::kRed);
  EXPECT_EQ(video.payload_types.at(120).format, PayloadFormat::kUlpfec);
  EXPECT_EQ(video.payload_types.at(119).format, PayloadFormat::kRtx);
  EXPECT_EQ(video.payload_types.at(119).associated_payload_type, 118);
  EXPECT_EQ(video.payload_types.at(97).associated_payload_type, 96);
  EXPECT_EQ(video.rtx_ssrcs.at(3333), 2222u);
  EXPECT_EQ(video.ssrcs, (std::vector<uint32_t>{2222, 3333}));
  EXPECT_EQ(video.header_extensions.at(13), kVideoOrientationExtension);
  EXPECT_EQ(video.header_extensions.at(3),
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
  EXPECT_EQ(description->media[0].payload_types.at(63).clock_rate_hz, 48000);
  EXPECT_EQ(MidExtensionIds({*description}), std::set<int>{4});
}

TEST(SdpStreamsTest, SsrcLinesMakeOnePublisherWithItsRtxPair) {
  auto description = sdp::ParseSdp(kOffer);
  ASSERT_TRUE(description.ok());
  Discovery discovery;
  discovery.tracks = {Track(1111, 111), Track(2222, 118), Track(3333, 97)};
  discovery.tracks[1].format = PayloadTypeInfo(PayloadFormat::kVp8, 90000);  // seen inside RED
  ApplySdp({*description}, &discovery);
  ASSERT_EQ(discovery.streams.size(), 1u);
  const DiscoveredStream& stream = discovery.streams[0];
  EXPECT_EQ(stream.key, "msid:audio-track,video-track");
  ASSERT_EQ(stream.tracks.size(), 3u);
  EXPECT_EQ(stream.tracks[1].format->format, PayloadFormat::kVp8);
  EXPECT_EQ(stream.tracks[2].format->format, PayloadFormat::kRtx);
  EXPECT_EQ(stream.tracks[2].rtx_ssrcs.at(3333), 2222u);
  EXPECT_EQ(stream.tracks[1].payload_types.at(120).format, PayloadFormat::kUlpfec);
}

TEST(SdpStreamsTest, WithoutSsrcLinesTheMidExtensionFindsTheSameStream) {
  auto description = sdp::ParseSdp(WithoutSsrcLines(kOffer));
  ASSERT_TRUE(description.ok());
  ASSERT_TRUE(description->media[1].ssrcs.empty());
  Discovery discovery;
  discovery.tracks = {Track(1111, 111, "0"), Track(2222, 118, "1"), Track(3333, 97, "1"),
                      Track(4444, 111)};  // no mid: not described
  ApplySdp({*description}, &discovery);
  std::map<std::string, size_t> tracks_by_key;
  for (const DiscoveredStream& stream : discovery.streams) tracks_by_key[stream.key] = stream.tracks.size();
  EXPECT_EQ(tracks_by_key, (std::map<std::string, size_t>{{"msid:audio-track,video-track", 3},
                                                          {"cname:cname-4444", 1}}));
}

TEST(SdpStreamsTest, SectionsListingTheirSsrcsDoNotTakeOthersByMid) {
  // A second connection with the same mids and new SSRCs, without its SDP.
  auto description = sdp::ParseSdp(kOffer);
  ASSERT_TRUE(description.ok());
  Discovery discovery;
  discovery.tracks = {Track(2222, 96, "1"), Track(5555, 96, "1")};
  for (DiscoveredTrack& track : discovery.tracks) track.format = PayloadTypeInfo(PayloadFormat::kVp8, 90000);
  ApplySdp({*description}, &discovery);
  ASSERT_EQ(discovery.streams.size(), 2u);
  EXPECT_TRUE(discovery.tracks[1].stream_key.empty());
}

TEST(SdpStreamsTest, AReconnectsDescriptionWithTheSameTrackIdsIsTheSameStream) {
  auto first = sdp::ParseSdp(kOffer);
  std::string second_text = kOffer;
  for (auto [from, to] : {std::pair<std::string, std::string>{"1111", "6666"}, {"2222", "7777"},
                          {"3333", "8888"}}) {
    for (size_t at; (at = second_text.find(from)) != std::string::npos;) second_text.replace(at, 4, to);
  }
  auto second = sdp::ParseSdp(second_text);
  ASSERT_TRUE(first.ok() && second.ok());
  Discovery discovery;
  discovery.tracks = {Track(1111, 111), Track(2222, 96), Track(6666, 111), Track(7777, 96)};
  ApplySdp({*first, *second}, &discovery);
  ASSERT_EQ(discovery.streams.size(), 1u);
  EXPECT_EQ(discovery.streams[0].tracks.size(), 4u);
}

}  // namespace
}  // namespace rtparchive::replay
