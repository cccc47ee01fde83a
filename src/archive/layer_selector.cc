#include "archive/layer_selector.h"

#include <algorithm>

namespace rtparchive::archive {

LayerSelector::LayerSelector(std::string preference, Listener* listener)
    : preference_(std::move(preference)), listener_(listener) {}

int LayerSelector::AddLayer(std::string rid) {
  layers_.push_back(Layer{std::move(rid)});
  return static_cast<int>(layers_.size()) - 1;
}

void LayerSelector::SetRid(int layer, std::string rid) { layers_[layer].rid = std::move(rid); }

void LayerSelector::Push(int layer, codec::EncodedFrame frame) {
  Layer& state = layers_[layer];
  const int64_t time_us = frame.capture_time_us;
  if (frame.keyframe && frame.size) {
    state.pixels = int64_t{frame.size->width} * frame.size->height;
  }
  state.first_time_us = std::min(state.first_time_us, time_us);
  state.last_time_us = std::max(state.last_time_us, time_us);
  if (layers_.size() == 1 && pending_.empty()) {
    Write(layer, std::move(frame), "start");
    return;
  }
  if (time_us <= decided_until_us_) {
    // Its moment is decided: only the layer being written may go on.
    if (layer == current_) {
      Write(layer, std::move(frame), nullptr);
    } else {
      listener_->OnLayerFrameNotWritten(layer);
    }
    return;
  }
  // Frames come nearly in order: look for the place from the back.
  auto place = pending_.end();
  while (place != pending_.begin() && std::prev(place)->frame.capture_time_us > time_us) --place;
  pending_.insert(place, Pending{layer, std::move(frame)});
  newest_time_us_ = std::max(newest_time_us_, time_us);
  if (pending_.size() > kMaxPending) DecideFront();
}

void LayerSelector::Advance(int64_t now_us, const std::function<LayerState(int layer)>& state_of) {
  // Every layer silent (the video was muted, the audio goes on): no later
  // frame will come to decide the last ones by, so they go now.
  bool all_silent = true;
  for (int layer = 0; layer < layer_count() && all_silent; ++layer) {
    all_silent = now_us - state_of(layer).last_arrival_us >= kGoneUs;
  }
  if (all_silent) return Flush();
  while (!pending_.empty()) {
    const int64_t time_us = pending_.front().frame.capture_time_us;
    if (newest_time_us_ - time_us < kDecisionLagUs) return;
    for (int layer = 0; layer < layer_count(); ++layer) {
      const LayerState state = state_of(layer);
      if (state.holding && now_us - state.last_arrival_us < kGoneUs) return;
    }
    DecideFront();
  }
}

void LayerSelector::Flush() {
  while (!pending_.empty()) DecideFront();
}

bool LayerSelector::Sending(int layer, int64_t time_us) const {
  const Layer& state = layers_[layer];
  return state.first_time_us <= time_us + kInstantUs && state.last_time_us >= time_us - kGoneUs;
}

bool LayerSelector::Prefers(int a, int b) const {
  return preference_ == "low" ? layers_[a].pixels < layers_[b].pixels
                              : layers_[a].pixels > layers_[b].pixels;
}

int LayerSelector::Target(int64_t time_us) const {
  int best = -1;
  for (int layer = 0; layer < layer_count(); ++layer) {
    if (layers_[layer].pixels == 0 || !Sending(layer, time_us)) continue;
    if (layers_[layer].rid == preference_) return layer;
    if (best < 0 || Prefers(layer, best)) best = layer;
  }
  return best;
}

void LayerSelector::DecideFront() {
  const int64_t time_us = pending_.front().frame.capture_time_us;
  // The moment's frames: the first of each layer within kInstantUs.
  std::vector<int> at(layers_.size(), -1);  // index in pending_
  for (size_t i = 0;
       i < pending_.size() && pending_[i].frame.capture_time_us < time_us + kInstantUs; ++i) {
    if (at[pending_[i].layer] < 0) at[pending_[i].layer] = static_cast<int>(i);
  }
  auto has = [&](int layer) { return layer >= 0 && at[layer] >= 0; };
  auto keyframe = [&](int layer) { return has(layer) && pending_[at[layer]].frame.keyframe; };

  const int target = Target(time_us);
  // The layer written has frames from this moment on (it is decided
  // kDecisionLagUs behind the newest frame); if not, it stopped or lost
  // packets, and any layer's keyframe is better than waiting.
  const bool current_goes_on = current_ >= 0 && layers_[current_].last_time_us >= time_us;
  int chosen = -1;
  const char* reason = nullptr;
  if (target >= 0 && target != current_ && keyframe(target)) {
    chosen = target;
    reason = current_ < 0 ? "start" : current_goes_on ? "preferred_layer" : "layer_stopped";
  } else if (has(current_)) {
    chosen = current_;
  } else if (!current_goes_on) {
    // Nothing to go on with: the preferred keyframe of this moment.
    for (int layer = 0; layer < layer_count(); ++layer) {
      if (keyframe(layer) && (chosen < 0 || Prefers(layer, chosen))) chosen = layer;
    }
    reason = current_ < 0 ? "start" : "layer_stopped";
  }
  if (target >= 0 && target != current_ && target != chosen && keyframe_wanted_ != target) {
    keyframe_wanted_ = target;
    listener_->OnLayerKeyframeWanted(target);
  }

  // Take the moment's frames out, the last first so indexes stay valid.
  std::vector<int> taken;
  for (int index : at) {
    if (index >= 0) taken.push_back(index);
  }
  std::sort(taken.rbegin(), taken.rend());
  std::vector<Pending> frames;
  for (int index : taken) {
    decided_until_us_ = std::max(decided_until_us_, pending_[index].frame.capture_time_us);
    frames.push_back(std::move(pending_[index]));
    pending_.erase(pending_.begin() + index);
  }
  for (Pending& pending : frames) {
    if (pending.layer == chosen) {
      Write(chosen, std::move(pending.frame), reason);
    } else {
      listener_->OnLayerFrameNotWritten(pending.layer);
    }
  }
}

void LayerSelector::Write(int layer, codec::EncodedFrame frame, const char* reason) {
  const int64_t time_us = frame.capture_time_us;
  if (layer != current_) {
    // A switch: the new layer's first frame comes after the last one written.
    if (current_ >= 0 && time_us <= last_written_us_) {
      listener_->OnLayerFrameNotWritten(layer);
      return;
    }
    listener_->OnLayerSwitch(current_, layer, frame, reason != nullptr ? reason : "start");
    current_ = layer;
    keyframe_wanted_ = -1;
  }
  last_written_us_ = std::max(last_written_us_, time_us);
  decided_until_us_ = std::max(decided_until_us_, time_us);
  listener_->OnLayerFrame(layer, std::move(frame));
}

}  // namespace rtparchive::archive
