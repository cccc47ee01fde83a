#include "sdp/sdp_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::sdp {
namespace {

// FFmpeg's RTP muxer's description of an H.264 stream, plus Opus and a codec
// rtparchive does not record.
constexpr char kSdp[] =
    "v=0\r\n"
    "o=- 0 0 IN IP4 127.0.0.1\r\n"
    "s=No Name\r\n"
    "t=0 0\r\n"
    "m=video 5004 RTP/AVP 96 97\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 packetization-mode=1; "
    "sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAHgeKFVA=,aO8Pyw==; "
    "profile-level-id=64000D\r\n"
    "a=rtpmap:97 VP9/90000\r\n"
    "m=audio 5006 RTP/AVP 111\r\n"
    "a=rtpmap:111 opus/48000/2\r\n";

TEST(SdpFileTest, ReadsCodecsAndOutOfBandParameterSets) {
  auto description = ParseSdp(kSdp);
  ASSERT_TRUE(description.ok()) << description.status();
  ASSERT_EQ(description->media.size(), 2u);
  EXPECT_EQ(description->media[0].kind, "video");
  const std::map<int, PayloadTypeInfo> all = description->PayloadTypes();
  const std::map<int, PayloadTypeInfo>* formats = &all;
  ASSERT_EQ(formats->size(), 2u);  // VP9 is not recorded
  const PayloadTypeInfo& h264 = formats->at(96);
  EXPECT_EQ(h264.format, PayloadFormat::kH264);
  EXPECT_EQ(h264.clock_rate_hz, 90000);
  ASSERT_EQ(h264.parameter_sets.size(), 2u);
  EXPECT_EQ(h264.parameter_sets[0][0], 0x67);                                         // SPS
  EXPECT_EQ(h264.parameter_sets[1], (std::vector<uint8_t>{0x68, 0xef, 0x0f, 0xcb}));  // PPS
  EXPECT_EQ(formats->at(111).format, PayloadFormat::kOpus);
}

TEST(SdpFileTest, RejectsWhatIsNotADescription) {
  EXPECT_FALSE(ParseSdp("hello").ok());
  auto bad = ParseSdp(
      "m=video 1 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 sprop-parameter-sets=!!!\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("not base64"));
}

}  // namespace
}  // namespace rtparchive::sdp
