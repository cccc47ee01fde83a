#include "codec/frame_assembler.h"

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
enum End { kEnd, kNotEnd };

class FakeListener : public FrameAssembler::Listener {
 public:
  void OnFrame(EncodedFrame frame) override {
    frames.push_back(std::string(frame.data.begin(), frame.data.end()));
    keyframes.push_back(frame.keyframe);
  }
  void OnFrameDropped(FrameDrop reason, int64_t count) override { drops[ToString(reason)] += count; }

  std::vector<std::string> frames;
  std::vector<bool> keyframes;
  std::map<std::string, int64_t> drops;
};

AssemblerPacket Packet(uint32_t timestamp, Start start, End end, const std::string& bytes,
                       std::optional<uint32_t> picture_id = std::nullopt) {
  AssemblerPacket packet;
  packet.storage.assign(bytes.begin(), bytes.end());
  packet.info.data = packet.storage;
  packet.info.starts_frame = start == kStart;
  packet.info.ends_frame = end == kEnd;
  packet.info.keyframe = start == kStart && timestamp == 0;
  if (picture_id) packet.info.frame_number = FrameNumber{*picture_id, 32768};
  packet.rtp_timestamp = timestamp;
  return packet;
}

TEST(FrameAssemblerTest, JoinsFragmentsOfOneFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener);
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
  FrameAssembler assembler(&listener);
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
  FrameAssembler assembler(&listener);
  assembler.Add(Packet(0, kMiddle, kNotEnd, "b"));
  assembler.Add(Packet(0, kMiddle, kEnd, "c"));
  EXPECT_THAT(listener.frames, IsEmpty());
  EXPECT_EQ(listener.drops["missing_start"], 1);
}

TEST(FrameAssemblerTest, NewTimestampBeforeTheEndDropsTheOpenFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener);
  assembler.Add(Packet(0, kStart, kNotEnd, "a"));  // its marker packet never came
  assembler.Add(Packet(3000, kStart, kEnd, "b"));
  EXPECT_THAT(listener.frames, ElementsAre("b"));
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

TEST(FrameAssemblerTest, CountsWholeFramesLostFromPictureIds) {
  FakeListener listener;
  FrameAssembler assembler(&listener);
  assembler.Add(Packet(0, kStart, kEnd, "a", 32766));
  assembler.Add(Packet(3000, kStart, kEnd, "b", 32767));
  assembler.Add(Packet(9000, kStart, kEnd, "c", 1));  // 0 is gone; wraps at 2^15
  EXPECT_THAT(listener.frames, ElementsAre("a", "b", "c"));
  EXPECT_EQ(listener.drops["lost_entirely"], 1);
}

TEST(FrameAssemblerTest, FrameGrowingWithoutEndIsCapped) {
  FakeListener listener;
  FrameAssembler assembler(&listener, AssemblerLimits{10, 100});
  assembler.Add(Packet(0, kStart, kNotEnd, "12345"));
  assembler.Add(Packet(0, kMiddle, kNotEnd, "67890"));
  assembler.Add(Packet(0, kMiddle, kNotEnd, "X"));  // 11 bytes > 10
  assembler.Add(Packet(0, kMiddle, kEnd, "Y"));
  EXPECT_THAT(listener.frames, IsEmpty());
  EXPECT_EQ(listener.drops["too_large"], 1);
}

TEST(FrameAssemblerTest, FlushDropsAnOpenFrame) {
  FakeListener listener;
  FrameAssembler assembler(&listener);
  assembler.Add(Packet(0, kStart, kNotEnd, "a"));
  assembler.Flush();
  EXPECT_EQ(listener.drops["incomplete"], 1);
}

}  // namespace
}  // namespace rtparchive::codec
