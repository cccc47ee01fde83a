#include "replay/session_file.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::replay {
namespace {

using ::testing::HasSubstr;

TEST(SessionFileTest, ReadsEveryField) {
  auto session = ParseSessionFile(R"({
    "archive": {"id": "a-1", "name": "demo", "sessionId": "s-1", "partnerId": 77, "videoCodec": "vp8",
                "hasVideo": false},
    "payloadTypes": {"96": "VP8/90000", "111": "opus/48000/2"},
    "streams": [
      {"streamId": "cam", "connectionData": "name=ann", "videoType": "screen",
       "hasAudio": false, "cname": "publisher-0"},
      {"streamId": "mic", "ssrcs": [1, 4294967295]},
      {"streamId": "other", "source": "192.0.2.10:50000"}
    ]})");
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(*session->archive_id, "a-1");
  EXPECT_EQ(*session->partner_id, 77);
  EXPECT_TRUE(session->has_audio);
  EXPECT_FALSE(session->has_video);
  EXPECT_EQ(session->payload_types.at(96).format, PayloadFormat::kVp8);
  EXPECT_EQ(session->payload_types.at(111).clock_rate_hz, 48000);
  ASSERT_EQ(session->streams.size(), 3u);
  EXPECT_EQ(session->streams[0].options.video_type, VideoType::kScreen);
  EXPECT_FALSE(session->streams[0].options.has_audio);
  EXPECT_TRUE(session->streams[0].options.has_video);
  EXPECT_EQ(session->streams[0].cname, "publisher-0");
  EXPECT_EQ(session->streams[1].ssrcs[1], 4294967295u);
  EXPECT_EQ(session->streams[2].source, "192.0.2.10:50000");
}

TEST(SessionFileTest, H264ParameterSetsCanComeInAnFmtpLine) {
  auto session = ParseSessionFile(R"({
    "payloadTypes": {"102": {"encoding": "H264/90000",
                             "fmtp": "packetization-mode=1;sprop-parameter-sets=Z0LADYyNQKD5APCIRqA=,aM48gA=="}},
    "streams": []})");
  ASSERT_TRUE(session.ok()) << session.status();
  const PayloadTypeInfo& h264 = session->payload_types.at(102);
  EXPECT_EQ(h264.format, PayloadFormat::kH264);
  ASSERT_EQ(h264.parameter_sets.size(), 2u);
  EXPECT_EQ(h264.parameter_sets[1], (std::vector<uint8_t>{0x68, 0xce, 0x3c, 0x80}));
}

TEST(SessionFileTest, ErrorsNameTheFieldAndWhatIsExpected) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {"{}", "streams must be"},
      {R"({"streams": [{"cname": "x"}]})", "streams[0].streamId"},
      {R"({"streams": [{"streamId": "a"}]})", "\"ssrcs\", \"cname\" or \"source\""},
      {R"({"streams": [{"streamId": "a", "cname": "x", "videoType": "tv"}]})", "videoType"},
      {R"({"payloadTypes": {"300": "vp8"}, "streams": []})", "payload type 0-127"},
      {R"({"payloadTypes": {"96": "theora"}, "streams": []})", "VP8/90000"},
      {R"({"archive": {"partnerId": -1}, "streams": []})", "partnerId"},
  };
  for (const Case& c : cases) {
    auto session = ParseSessionFile(c.json);
    ASSERT_FALSE(session.ok()) << c.json;
    EXPECT_THAT(std::string(session.status().message()), HasSubstr(c.message)) << c.json;
  }
}

}  // namespace
}  // namespace rtparchive::replay
