// A recording node describes a publisher's stream with its SDP.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "rtparchive/archive.h"

namespace rtparchive {
namespace {

TEST(StreamDescriptionTest, ChromiumsOfferDescribesRedRtxAndExtensions) {
  std::ifstream file(RTPARCHIVE_TESTDATA "/browser/chromium-plain-vp8.sdp");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  StreamOptions stream;
  stream.stream_id = "publisher";
  ASSERT_TRUE(DescribeStreamFromSdp(text.str(), &stream).ok());
  EXPECT_TRUE(stream.has_audio);
  EXPECT_TRUE(stream.has_video);
  EXPECT_EQ(stream.payload_types.at(96).format, PayloadFormat::kVp8);
  EXPECT_EQ(stream.payload_types.at(111).format, PayloadFormat::kOpus);
  EXPECT_EQ(stream.payload_types.at(118).format, PayloadFormat::kRed);
  EXPECT_EQ(stream.payload_types.at(119).associated_payload_type, 118);
  EXPECT_EQ(stream.payload_types.at(120).format, PayloadFormat::kUlpfec);
  EXPECT_EQ(stream.rtx_ssrcs.size(), 1u);
  EXPECT_EQ(stream.header_extensions.at(13), kVideoOrientationExtension);
  EXPECT_EQ(stream.header_extensions.at(4), kMidExtension);
}

TEST(StreamDescriptionTest, AnAudioOnlyDescriptionHasNoVideo) {
  StreamOptions stream;
  ASSERT_TRUE(DescribeStreamFromSdp("v=0\nm=audio 9 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n", &stream).ok());
  EXPECT_TRUE(stream.has_audio);
  EXPECT_FALSE(stream.has_video);
  EXPECT_FALSE(DescribeStreamFromSdp("not an sdp", &stream).ok());
}

}  // namespace
}  // namespace rtparchive
