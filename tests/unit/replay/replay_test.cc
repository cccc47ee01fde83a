#include "replay/replay.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::replay {
namespace {

using ::testing::HasSubstr;

const std::string kCaptures = std::string(RTPARCHIVE_TESTDATA) + "/captures/";

TEST(StreamDiscoveryTest, FindsVp8AndOpusAndPairsThemByCname) {
  auto discovery = DiscoverStreams(kCaptures + "vp8-clean.pcap");
  ASSERT_TRUE(discovery.ok()) << discovery.status();
  ASSERT_EQ(discovery->streams.size(), 1u);
  const DiscoveredStream& stream = discovery->streams[0];
  EXPECT_EQ(stream.key, "cname:publisher-0");
  ASSERT_EQ(stream.tracks.size(), 2u);
  int vp8 = 0, opus = 0;
  for (const DiscoveredTrack& track : stream.tracks) {
    (track.format->format == PayloadFormat::kVp8 ? vp8 : opus)++;
  }
  EXPECT_EQ(vp8, 1);
  EXPECT_EQ(opus, 1);
}

TEST(StreamDiscoveryTest, WithoutRtcpPairsByAddresses) {
  auto discovery = DiscoverStreams(kCaptures + "vp8-nortcp.pcap");
  ASSERT_TRUE(discovery.ok());
  ASSERT_EQ(discovery->streams.size(), 1u);
  EXPECT_THAT(discovery->streams[0].key, HasSubstr("flow:192.0.2.10:50000"));
  EXPECT_EQ(discovery->streams[0].tracks.size(), 2u);
}

TEST(StreamDiscoveryTest, SameCaptureSameStreamIds) {
  auto first = DiscoverStreams(kCaptures + "two-streams.pcap");
  auto second = DiscoverStreams(kCaptures + "two-streams.pcap");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first->streams.size(), 2u);
  EXPECT_EQ(first->streams[0].stream_id, second->streams[0].stream_id);
  EXPECT_NE(first->streams[0].stream_id, first->streams[1].stream_id);
  EXPECT_LT(first->streams[0].first_arrival_us, first->streams[1].first_arrival_us);
}

TEST(PlanStreamsTest, SessionStreamsMatchByCnameAndReportWhatIsLeftOut) {
  auto discovery = DiscoverStreams(kCaptures + "two-streams.pcap");
  ASSERT_TRUE(discovery.ok());
  auto session = ParseSessionFile(R"({"streams": [
      {"streamId": "first", "cname": "publisher-0"},
      {"streamId": "ghost", "cname": "nobody"}]})");
  ASSERT_TRUE(session.ok());
  std::vector<std::string> notes;
  auto planned = PlanStreams(*discovery, *session, &notes);
  ASSERT_TRUE(planned.ok()) << planned.status();
  ASSERT_EQ(planned->size(), 2u);
  EXPECT_EQ((*planned)[0].ssrcs.size(), 2u);
  EXPECT_TRUE((*planned)[1].ssrcs.empty());
  std::string all_notes;
  for (const std::string& note : notes) all_notes += note + "\n";
  EXPECT_THAT(all_notes, HasSubstr("ghost: no packets matched"));
  EXPECT_THAT(all_notes, HasSubstr("not named in the session file"));  // publisher-1's tracks
}

}  // namespace
}  // namespace rtparchive::replay
