#include "archive/layer_selector.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::archive {
namespace {

using ::testing::ElementsAre;

// Layers 0, 1, 2 are 320x180, 640x360 and 1280x720, as Chromium sends them.
constexpr int kWidths[] = {320, 640, 1280};

codec::EncodedFrame Frame(int layer, int64_t ms, bool keyframe) {
  codec::EncodedFrame frame;
  frame.capture_time_us = ms * 1000;
  frame.keyframe = keyframe;
  if (keyframe) frame.size = codec::VideoSize{kWidths[layer], kWidths[layer] * 9 / 16};
  frame.data = {static_cast<uint8_t>(layer)};
  return frame;
}

class LayerSelectorTest : public ::testing::Test, public LayerSelector::Listener {
 protected:
  void OnLayerFrame(int layer, codec::EncodedFrame frame) override {
    written_.push_back(absl::StrCat(layer, "@", frame.capture_time_us / 1000));
  }
  void OnLayerFrameNotWritten(int layer) override { ++not_written_[layer]; }
  void OnLayerSwitch(int from, int to, const codec::EncodedFrame& first,
                     const char* reason) override {
    switches_.push_back(
        absl::StrCat(from, "->", to, "@", first.capture_time_us / 1000, " ", reason));
  }
  void OnLayerKeyframeWanted(int layer) override { wanted_.push_back(layer); }

  // Every layer in `layers` sends a frame every 33 ms in [from_ms, to_ms),
  // keyframes at the times in `keyframes_ms`; no layer holds anything back.
  void Send(LayerSelector& selector, std::vector<int> layers, int64_t from_ms, int64_t to_ms,
            std::vector<int64_t> keyframes_ms) {
    for (int64_t ms = from_ms; ms < to_ms; ms += 33) {
      const bool key =
          std::find(keyframes_ms.begin(), keyframes_ms.end(), ms) != keyframes_ms.end();
      for (int layer : layers) selector.Push(layer, Frame(layer, ms, key));
      selector.Advance(ms * 1000, [](int) { return LayerSelector::LayerState{}; });
    }
  }
  // The layer of each frame written, run-length: "2x10" = ten frames of layer 2.
  std::vector<std::string> Runs() const {
    std::vector<std::string> runs;
    std::string last;
    int count = 0;
    for (const std::string& frame : written_) {
      const std::string layer = frame.substr(0, frame.find('@'));
      if (layer != last && count > 0) runs.push_back(absl::StrCat(last, "x", count)), count = 0;
      last = layer;
      ++count;
    }
    if (count > 0) runs.push_back(absl::StrCat(last, "x", count));
    return runs;
  }

  std::vector<std::string> written_;
  std::vector<std::string> switches_;
  std::vector<int> wanted_;
  int not_written_[3] = {0, 0, 0};
};

TEST_F(LayerSelectorTest, ASingleLayerPassesStraightThrough) {
  LayerSelector selector("high", this);
  selector.AddLayer("");
  selector.Push(0, Frame(0, 0, true));
  selector.Push(0, Frame(0, 33, false));
  selector.Push(0, Frame(0, 33, false));  // even a repeated time: the writer adjusts it
  EXPECT_THAT(written_, ElementsAre("0@0", "0@33", "0@33"));
}

TEST_F(LayerSelectorTest, WritesTheLargestLayerFromTheStartWhenTheirKeyframesCoincide) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "h", "f"}) selector.AddLayer(rid);
  Send(selector, {0, 1, 2}, 0, 990, {0});
  selector.Flush();
  EXPECT_THAT(Runs(), ElementsAre("2x30"));
  EXPECT_THAT(switches_, ElementsAre("-1->2@0 start"));
  EXPECT_EQ(not_written_[0], 30);
  EXPECT_EQ(not_written_[1], 30);
}

TEST_F(LayerSelectorTest, OneFramePerPictureAndSwitchesOnlyAtKeyframes) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "h", "f"}) selector.AddLayer(rid);
  // The top layer starts late, its keyframe 99 ms after its first frame.
  Send(selector, {0, 1}, 0, 330, {0});
  Send(selector, {0, 1, 2}, 330, 660, {429});
  selector.Flush();
  EXPECT_THAT(switches_, ElementsAre("-1->1@0 start", "1->2@429 preferred_layer"));
  EXPECT_THAT(Runs(), ElementsAre("1x13", "2x7"));
  EXPECT_THAT(wanted_, ElementsAre(2));  // it asked the sender for that keyframe once
  // Times rise: one frame per picture.
  for (size_t i = 1; i < written_.size(); ++i) {
    EXPECT_LT(std::stoi(written_[i - 1].substr(2)), std::stoi(written_[i].substr(2)));
  }
}

TEST_F(LayerSelectorTest, GoesDownWhenTheLayerStopsAndBackUpWhenItResumes) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "h", "f"}) selector.AddLayer(rid);
  Send(selector, {0, 1, 2}, 0, 990, {0});
  // The top layer stops for 2 s; the middle one has a keyframe 1 s in.
  Send(selector, {0, 1}, 990, 2970, {1980});
  Send(selector, {0, 1, 2}, 2970, 3960, {3267});
  selector.Flush();
  EXPECT_THAT(switches_,
              ElementsAre("-1->2@0 start", "2->1@1980 layer_stopped", "1->2@3267 preferred_layer"));
  EXPECT_THAT(Runs(), ElementsAre("2x30", "1x39", "2x21"));
}

TEST_F(LayerSelectorTest, LowAndRidChoices) {
  {
    LayerSelector selector("low", this);
    for (const char* rid : {"q", "h", "f"}) selector.AddLayer(rid);
    Send(selector, {0, 1, 2}, 0, 330, {0});
    selector.Flush();
    EXPECT_THAT(Runs(), ElementsAre("0x10"));
  }
  written_.clear();
  {
    LayerSelector selector("h", this);
    for (const char* rid : {"q", "h", "f"}) selector.AddLayer(rid);
    Send(selector, {0, 1, 2}, 0, 330, {0});
    // Without the named layer: the highest.
    Send(selector, {0, 2}, 330, 1320, {0, 957});
    selector.Flush();
    EXPECT_THAT(Runs(), ElementsAre("1x10", "2x11"));
  }
}

TEST_F(LayerSelectorTest, WaitsForALayerThatMayStillDeliverOlderFrames) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "f"}) selector.AddLayer(rid);
  bool top_holding = true;  // the top layer waits for its first sender report
  auto state = [&](int layer) { return LayerSelector::LayerState{layer == 1 && top_holding, 0}; };
  for (int64_t ms = 0; ms < 660; ms += 33) {
    selector.Push(0, Frame(0, ms, ms == 0));
    selector.Advance(1000, state);
  }
  EXPECT_TRUE(written_.empty());
  top_holding = false;
  for (int64_t ms = 0; ms < 660; ms += 33) selector.Push(1, Frame(1, ms, ms == 0));
  selector.Advance(1000, state);
  selector.Flush();
  EXPECT_THAT(Runs(), ElementsAre("1x20"));
}

TEST_F(LayerSelectorTest, WhenEveryLayerFallsSilentTheLastFramesGoOutWithoutWaiting) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "f"}) selector.AddLayer(rid);
  int64_t last_arrival_us = 0;
  auto state = [&](int) { return LayerSelector::LayerState{false, last_arrival_us}; };
  for (int64_t ms = 0; ms < 660; ms += 33) {
    for (int layer : {0, 1}) selector.Push(layer, Frame(layer, ms, ms == 0));
    last_arrival_us = ms * 1000;
    selector.Advance(last_arrival_us, state);
  }
  EXPECT_THAT(Runs(), ElementsAre("1x16"));  // the newest 100 ms wait for later frames
  // The video is muted; audio goes on and time passes.
  selector.Advance(last_arrival_us + 300'000, state);
  EXPECT_THAT(Runs(), ElementsAre("1x16"));
  selector.Advance(last_arrival_us + LayerSelector::kGoneUs, state);
  EXPECT_THAT(Runs(), ElementsAre("1x20"));
}

TEST_F(LayerSelectorTest, ALateFrameOfAnotherLayerIsNotWritten) {
  LayerSelector selector("high", this);
  for (const char* rid : {"q", "f"}) selector.AddLayer(rid);
  Send(selector, {0, 1}, 0, 660, {0});
  selector.Push(0, Frame(0, 99, true));  // a repair long after its picture was decided
  selector.Flush();
  EXPECT_THAT(Runs(), ElementsAre("1x20"));
  EXPECT_EQ(not_written_[0], 21);
}

}  // namespace
}  // namespace rtparchive::archive
