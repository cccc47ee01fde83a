#include "codec/frame_assembler.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::codec {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

enum Start { kStart, kMiddle };
constexpr bool kMarkedStarts = true;      // VP8, Opus
constexpr bool kTimestampFrames = false;  // H.264
enum End { kEnd, kNotEnd };

class FakeListener : public FrameAssembler::Listener {
 public:
  void OnFrame(EncodedFrame frame) override {
    frames.push_back(std::string(frame.data.begin(), frame.data.end()));
    keyframes.push_back(frame.keyframe);
  }
  void OnFrameDropped(FrameDrop reason, int64_t count) override {
    drops[ToString(reason)] += count;
  }

  std::vector<std::string> frames;
  std::vector<bool> keyframes;
  std::map<std::string, int64_t> drops;
};

// The bytes of the packets a test makes, kept for the test's life (the
// assembler reads them during Add).
std::deque<std::string>& PacketBytes() {
  static std::deque<std::string> bytes;
  return bytes;
}

AssemblerPacket Packet(uint32_t timestamp, Start start, End end, const std::string& bytes,
                       std::optional<uint32_t> picture_id = std::nullopt) {
  AssemblerPacket packet;
  const std::string& kept = PacketBytes().emplace_back(bytes);
  packet.info.data = absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(kept.data()), kept.size());
  packet.info.starts_frame = start == kStart;
  packet.info.ends_frame = end == kEnd;
  packet.info.keyframe = start == kStart && timestamp == 0;
  if (picture_id) packet.info.frame_number = FrameNumber{*picture_id, 32768};
  packet.rtp_timestamp = timestamp;
  return packet;
}

TEST(FrameAssemblerTest, JoinsFragmentsOfOneFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kStart, kNotEnd, "ab"));
  assembler.Add(Packet(0, kMiddle, kNotEnd, "cd"));
  assembler.Add(Packet(0, kMiddle, kEnd, "e"));
  assembler.Add(Packet(3000, kStart, kEnd, "xyz"));
  EXPECT_THAT(listener.frames, ElementsAre("abcde", "xyz"));
  EXPECT_THAT(listener.keyframes, ElementsAre(true, false));
  EXPECT_THAT(listener.drops, IsEmpty());
}

TEST(FrameAssemblerTest, DiscontinuityDropsThePartialFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kStart, kNotEnd, "ab"));
  assembler.Discontinuity();
  assembler.Add(Packet(0, kMiddle, kEnd, "e"));  // rest of the damaged frame: skipped
  assembler.Add(Packet(3000, kStart, kEnd, "ok"));
  EXPECT_THAT(listener.frames, ElementsAre("ok"));
  EXPECT_EQ(listener.drops["incomplete"], 1);
  EXPECT_EQ(listener.drops.count("missing_start"), 0u);
}

TEST(FrameAssemblerTest, FrameWithoutItsStartIsSkippedOnce) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kMiddle, kNotEnd, "b"));
  assembler.Add(Packet(0, kMiddle, kEnd, "c"));
  EXPECT_THAT(listener.frames, IsEmpty());
  EXPECT_EQ(listener.drops["missing_start"], 1);
}

TEST(FrameAssemblerTest, NewTimestampBeforeTheEndDropsTheOpenFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kStart, kNotEnd, "a"));  // its marker packet never came
  assembler.Add(Packet(3000, kStart, kEnd, "b"));
  EXPECT_THAT(listener.frames, ElementsAre("b"));
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

TEST(FrameAssemblerTest, CountsWholeFramesLostFromPictureIds) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kStart, kEnd, "a", 32766));
  assembler.Add(Packet(3000, kStart, kEnd, "b", 32767));
  assembler.Add(Packet(9000, kStart, kEnd, "c", 1));  // 0 is gone; wraps at 2^15
  EXPECT_THAT(listener.frames, ElementsAre("a", "b", "c"));
  EXPECT_EQ(listener.drops["lost_entirely"], 1);
}

TEST(FrameAssemblerTest, FrameGrowingWithoutEndIsCapped) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts, AssemblerLimits{10, 100});
  assembler.Add(Packet(0, kStart, kNotEnd, "12345"));
  assembler.Add(Packet(0, kMiddle, kNotEnd, "67890"));
  assembler.Add(Packet(0, kMiddle, kNotEnd, "X"));  // 11 bytes > 10
  assembler.Add(Packet(0, kMiddle, kEnd, "Y"));
  EXPECT_THAT(listener.frames, IsEmpty());
  EXPECT_EQ(listener.drops["too_large"], 1);
}

TEST(FrameAssemblerTest, FlushDropsAnOpenFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kMarkedStarts);
  assembler.Add(Packet(0, kStart, kNotEnd, "a"));
  assembler.Flush();
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

// An H.264 packet holding whole NAL units or one FU-A piece.
AssemblerPacket Nals(uint32_t timestamp, End end, std::vector<NalPiece> pieces) {
  AssemblerPacket packet;
  packet.info.nal_pieces.assign(pieces.begin(), pieces.end());
  packet.info.ends_frame = end == kEnd;
  packet.rtp_timestamp = timestamp;
  return packet;
}

absl::Span<const uint8_t> Bytes(const std::string& text) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

TEST(FrameAssemblerTest, NalUnitsAreJoinedWithFourByteLengths) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kTimestampFrames);
  const std::string sps = "S", pps = "PP", fu_start = "abc", fu_end = "de";
  assembler.Add(
      Nals(0, kNotEnd,
           {{Bytes(sps), true, std::nullopt, true}, {Bytes(pps), true, std::nullopt, true}}));
  assembler.Add(Nals(0, kNotEnd, {{Bytes(fu_start), true, uint8_t{'H'}, false}}));  // FU-A start
  assembler.Add(Nals(0, kEnd, {{Bytes(fu_end), false, std::nullopt, true}}));       // FU-A end
  ASSERT_EQ(listener.frames.size(), 1u);
  EXPECT_EQ(listener.frames[0], std::string("\0\0\0\1S\0\0\0\2PP\0\0\0\6Habcde", 21));
}

TEST(FrameAssemblerTest, AfterALossTimestampFramesWaitForAMarker) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kTimestampFrames);
  const std::string nal = "n";
  assembler.Add(Nals(0, kEnd, {{Bytes(nal), true, std::nullopt, true}}));
  assembler.Discontinuity();
  // Whole NAL units of timestamp 3000, but its first packets may be lost.
  assembler.Add(Nals(3000, kNotEnd, {{Bytes(nal), true, std::nullopt, true}}));
  assembler.Add(Nals(3000, kEnd, {{Bytes(nal), true, std::nullopt, true}}));
  assembler.Add(Nals(6000, kEnd, {{Bytes(nal), true, std::nullopt, true}}));  // clean again
  EXPECT_EQ(listener.frames.size(), 2u);
  EXPECT_EQ(listener.drops["missing_start"], 1);
}

TEST(FrameAssemblerTest, FuAContinuationWithoutItsStartIsSkipped) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kTimestampFrames);
  const std::string piece = "xyz";
  assembler.Add(Nals(0, kEnd, {{Bytes(piece), false, std::nullopt, true}}));
  EXPECT_TRUE(listener.frames.empty());
  EXPECT_EQ(listener.drops["missing_start"], 1);
}

TEST(FrameAssemblerTest, InterleavedFuAFragmentsOfTwoNalUnitsDropTheFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kTimestampFrames);
  const std::string a = "aa", b = "bb";
  assembler.Add(Nals(0, kNotEnd, {{Bytes(a), true, uint8_t{'A'}, false}}));  // FU-A start, NAL A
  assembler.Add(
      Nals(0, kNotEnd, {{Bytes(b), true, uint8_t{'B'}, false}}));  // NAL B starts inside A
  assembler.Add(Nals(0, kNotEnd, {{Bytes(a), false, std::nullopt, true}}));
  assembler.Add(Nals(0, kEnd, {{Bytes(b), false, std::nullopt, true}}));
  const std::string whole = "w";
  assembler.Add(
      Nals(3000, kEnd, {{Bytes(whole), true, std::nullopt, true}}));  // the next frame is fine
  ASSERT_EQ(listener.frames.size(), 1u);
  EXPECT_EQ(listener.frames[0], std::string("\0\0\0\1w", 5));
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

TEST(FrameAssemblerTest, AFrameEndingInsideAFragmentedNalUnitIsDropped) {
  FakeListener listener;
  FrameAssembler assembler(&listener, kTimestampFrames);
  const std::string a = "aa";
  assembler.Add(Nals(0, kEnd, {{Bytes(a), true, uint8_t{'A'}, false}}));  // marker, but no FU-A end
  EXPECT_TRUE(listener.frames.empty());
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

}  // namespace
}  // namespace rtparchive::codec
