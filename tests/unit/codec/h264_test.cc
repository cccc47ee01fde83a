// H.264: depacketizer (RFC 6184), SPS parsing, avcC, repeated parameter sets.
#include <vector>

#include "codec/h264_bitstream.h"
#include "codec/h264_depacketizer.h"
#include "codec/h264_parameter_sets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::codec {
namespace {

using ::testing::ElementsAre;

// GStreamer openh264enc, 320x240 constrained baseline (from testdata).
const std::vector<uint8_t> kSps320x240 = {0x67, 0x42, 0xc0, 0x0d, 0x8c, 0x8d, 0x40,
                                          0xa0, 0xf9, 0x00, 0xf0, 0x88, 0x46, 0xa0};
const std::vector<uint8_t> kPps = {0x68, 0xce, 0x3c, 0x80};
// x264 High profile 1920x1080: 1088 coded lines cropped by 8, with
// emulation prevention bytes.
const std::vector<uint8_t> kSps1080p = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02,
                                        0x27, 0xe5, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
                                        0x00, 0x00, 0x03, 0x00, 0xf0, 0x3c, 0x60, 0xc6, 0x58};

std::vector<uint8_t> Concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(H264SpsTest, ReadsPictureSize) {
  auto small = ParseH264Sps(kSps320x240);
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->size, (VideoSize{320, 240}));
  EXPECT_EQ(small->profile_idc, 66);
  auto large = ParseH264Sps(kSps1080p);
  ASSERT_TRUE(large.has_value());
  EXPECT_EQ(large->size, (VideoSize{1920, 1080}));  // cropping applied
  EXPECT_EQ(large->profile_idc, 100);
}

TEST(H264SpsTest, TruncatedSpsFailsOrStillGivesTheRightSize) {
  // The size fields end before the VUI, which is not read.
  int parsed = 0;
  for (size_t size = 0; size < kSps1080p.size(); ++size) {
    auto sps = ParseH264Sps(absl::MakeConstSpan(kSps1080p.data(), size));
    if (!sps) continue;
    ++parsed;
    EXPECT_EQ(sps->size, (VideoSize{1920, 1080})) << size;
  }
  EXPECT_LT(parsed, static_cast<int>(kSps1080p.size()) - 8);  // short prefixes fail
}

TEST(H264AvccTest, BuildsTheDecoderConfigurationRecord) {
  const std::vector<uint8_t> avcc = BuildAvcc(kSps320x240, kPps);
  const std::vector<uint8_t> expected =
      Concat({{1, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 14}, kSps320x240, {1, 0x00, 4}, kPps});
  EXPECT_EQ(avcc, expected);
  // High profile adds chroma format and bit depths.
  EXPECT_EQ(BuildAvcc(kSps1080p, kPps).size(), 6 + 2 + kSps1080p.size() + 3 + kPps.size() + 4);
}

TEST(H264DepacketizerTest, SingleNalUnit) {
  const std::vector<uint8_t> idr = {0x65, 0x88, 0x84};
  PayloadInfo info;
  ASSERT_EQ(H264Depacketizer().Parse(idr, true, &info), PayloadError::kNone);
  ASSERT_EQ(info.nal_pieces.size(), 1u);
  EXPECT_TRUE(info.nal_pieces[0].starts_nal);
  EXPECT_EQ(info.nal_pieces[0].bytes.size(), 3u);
  EXPECT_TRUE(info.keyframe);
  EXPECT_TRUE(info.ends_frame);
}

TEST(H264DepacketizerTest, StapAHoldsSeveralNalUnits) {
  const std::vector<uint8_t> stap = Concat({{0x18, 0x00, 14}, kSps320x240, {0x00, 4}, kPps});
  PayloadInfo info;
  ASSERT_EQ(H264Depacketizer().Parse(stap, false, &info), PayloadError::kNone);
  ASSERT_EQ(info.nal_pieces.size(), 2u);
  EXPECT_EQ(info.nal_pieces[0].bytes, absl::MakeConstSpan(kSps320x240));
  EXPECT_EQ(info.nal_pieces[1].bytes, absl::MakeConstSpan(kPps));
  EXPECT_FALSE(info.keyframe);
}

TEST(H264DepacketizerTest, FuAStartRebuildsTheNalHeader) {
  // FU indicator: F=0 NRI=3 type 28; FU header: S=1 type 5 (IDR).
  const std::vector<uint8_t> start = {0x7c, 0x85, 0xaa, 0xbb};
  PayloadInfo info;
  ASSERT_EQ(H264Depacketizer().Parse(start, false, &info), PayloadError::kNone);
  ASSERT_EQ(info.nal_pieces.size(), 1u);
  EXPECT_TRUE(info.nal_pieces[0].starts_nal);
  EXPECT_EQ(info.nal_pieces[0].header, uint8_t{0x65});
  EXPECT_TRUE(info.keyframe);
  const std::vector<uint8_t> middle = {0x7c, 0x05, 0xcc};
  ASSERT_EQ(H264Depacketizer().Parse(middle, false, &info), PayloadError::kNone);
  EXPECT_FALSE(info.nal_pieces[0].starts_nal);
  EXPECT_FALSE(info.nal_pieces[0].header.has_value());
}

TEST(H264DepacketizerTest, BadPayloadsAreRejectedWithAReason) {
  struct Case {
    const char* what;
    std::vector<uint8_t> payload;
    PayloadError error;
  };
  const std::vector<Case> cases = {
      {"empty", {}, PayloadError::kEmpty},
      {"NAL type 0", {0x00, 0x01}, PayloadError::kUnsupportedNalType},
      {"NAL type 30", {0x1e, 0x01}, PayloadError::kUnsupportedNalType},
      {"NAL type 31", {0x1f, 0x01}, PayloadError::kUnsupportedNalType},
      {"STAP-B", {0x19, 0x00, 0x01, 0x00, 0x01, 0x65}, PayloadError::kUnsupportedPacketization},
      {"MTAP16", {0x1a, 0x00}, PayloadError::kUnsupportedPacketization},
      {"FU-B", {0x1d, 0x85, 0x00, 0x01}, PayloadError::kUnsupportedPacketization},
      {"STAP-A length past the end",
       {0x18, 0x00, 0x09, 0x67, 0x42},
       PayloadError::kTruncatedAggregate},
      {"STAP-A zero length", {0x18, 0x00, 0x00}, PayloadError::kTruncatedAggregate},
      {"STAP-A with nothing", {0x18}, PayloadError::kNoFrameData},
      {"FU-A without data", {0x7c, 0x85}, PayloadError::kNoFrameData},
      {"FU-A of type 0", {0x7c, 0x80, 0x01}, PayloadError::kUnsupportedNalType},
  };
  for (const Case& c : cases) {
    PayloadInfo info;
    EXPECT_EQ(H264Depacketizer().Parse(c.payload, false, &info), c.error) << c.what;
  }
}

TEST(H264ParameterSetsTest, RepeatsWithinAnAccessUnitAreRemoved) {
  auto nal = [](const std::vector<uint8_t>& bytes) {
    return Concat({{0, 0, 0, static_cast<uint8_t>(bytes.size())}, bytes});
  };
  const std::vector<uint8_t> idr = {0x65, 0x01};
  std::vector<uint8_t> frame =
      Concat({nal(kSps320x240), nal(kPps), nal(kSps320x240), nal(kPps), nal(idr)});
  EXPECT_EQ(RemoveRepeatedParameterSets(&frame), 2);
  EXPECT_EQ(frame, Concat({nal(kSps320x240), nal(kPps), nal(idr)}));
  EXPECT_EQ(RemoveRepeatedParameterSets(&frame), 0);

  H264ParameterSets sets;
  EXPECT_FALSE(sets.complete());
  sets.AddFromFrame(frame);
  EXPECT_TRUE(sets.complete());
  EXPECT_EQ(sets.size(), (VideoSize{320, 240}));
  EXPECT_EQ(sets.Avcc(), BuildAvcc(kSps320x240, kPps));
}

}  // namespace
}  // namespace rtparchive::codec
