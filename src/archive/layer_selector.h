// Chooses which simulcast layer of a video track is written. A publisher
// that sends simulcast sends the same pictures on several SSRCs (layers) at
// different resolutions; the segment file holds one video track, so for
// each picture at most one layer's frame is written.
//
// Which layer: the preferred one among the layers being sent (`high`: the
// most pixels, `low`: the fewest, or a named RID, else `high`). A layer is
// being sent at time t while it has frames within `kGoneUs` of t. The
// selector moves to the preferred layer at that layer's next keyframe, and
// away from a layer that has no frame at or after a moment (it stopped, or
// lost packets) at the first keyframe of any layer, the preferred one
// first; between two keyframes it stays on its layer, so every frame
// written decodes from the one before it. Written times rise strictly.
//
// Frames come from each layer's track recorder in that layer's order but at
// each layer's own pace (reorder waits, the wait for a sender report), so
// the selector keeps them in capture-time order and decides a moment (the
// frames of all layers within `kInstantUs` of each other: one picture) only
// once the newest frame is `kDecisionLagUs` later and no layer still being
// sent may deliver an older frame (`Advance` is told which ones may), or
// at once when every layer has been silent for `kGoneUs`. It holds at most
// `kMaxPending` frames; beyond that the oldest is decided.
//
// With a single layer frames pass straight through.
//
// Not thread-safe: its stream recorder calls it under the archive's lock.
#ifndef RTPARCHIVE_ARCHIVE_LAYER_SELECTOR_H_
#define RTPARCHIVE_ARCHIVE_LAYER_SELECTOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "codec/encoded_frame.h"

namespace rtparchive::archive {

class LayerSelector {
 public:
  static constexpr int64_t kGoneUs = 500'000;
  static constexpr int64_t kInstantUs = 8'000;
  static constexpr int64_t kDecisionLagUs = 100'000;
  static constexpr size_t kMaxPending = 1024;

  // What a layer's recorder can say about frames still to come from it.
  struct LayerState {
    bool holding = false;         // may still deliver a frame older than the newest delivered
    int64_t last_arrival_us = 0;  // arrival of its latest packet
  };

  class Listener {
   public:
    virtual ~Listener() = default;
    // The frame to write for its moment, in rising capture time.
    virtual void OnLayerFrame(int layer, codec::EncodedFrame frame) = 0;
    // A complete frame of `layer` not written: another layer's was, or none
    // could be (no keyframe to switch at).
    virtual void OnLayerFrameNotWritten(int layer) = 0;
    // Writing moves to `to` (from -1 at the start), starting with `first`
    // (a keyframe, unless a single layer started without one).
    virtual void OnLayerSwitch(int from, int to, const codec::EncodedFrame& first,
                               const char* reason) = 0;
    // The selector waits for a keyframe of `layer` to switch to it.
    virtual void OnLayerKeyframeWanted(int layer) = 0;
  };

  // `preference`: "high", "low" or a RID.
  LayerSelector(std::string preference, Listener* listener);

  // Returns the new layer's index.
  int AddLayer(std::string rid);
  void SetRid(int layer, std::string rid);
  const std::string& rid(int layer) const { return layers_[layer].rid; }
  int layer_count() const { return static_cast<int>(layers_.size()); }
  int current() const { return current_; }

  void Push(int layer, codec::EncodedFrame frame);
  // Decides every moment that can be decided at arrival time `now_us`.
  void Advance(int64_t now_us, const std::function<LayerState(int layer)>& state_of);
  // Decides everything held.
  void Flush();

 private:
  struct Layer {
    std::string rid;
    int64_t pixels = 0;  // from its latest keyframe; 0 before one
    int64_t first_time_us = INT64_MAX;
    int64_t last_time_us = INT64_MIN;
  };
  struct Pending {
    int layer;
    codec::EncodedFrame frame;
  };

  bool Sending(int layer, int64_t time_us) const;
  // True when `a` is preferred to `b` (both with a known size).
  bool Prefers(int a, int b) const;
  // The preferred layer among those being sent at `time_us` (-1: none known).
  int Target(int64_t time_us) const;
  // Writes at most one frame of the pictures at the front.
  void DecideFront();
  void Write(int layer, codec::EncodedFrame frame, const char* reason);

  std::string preference_;
  Listener* listener_;
  std::vector<Layer> layers_;
  std::deque<Pending> pending_;  // capture-time order
  int current_ = -1;
  int keyframe_wanted_ = -1;  // the layer asked for a keyframe, until a switch
  int64_t newest_time_us_ = INT64_MIN;
  int64_t decided_until_us_ = INT64_MIN;  // frames at or before this time are late
  int64_t last_written_us_ = INT64_MIN;
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_LAYER_SELECTOR_H_
