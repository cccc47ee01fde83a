#include "codec/frame_assembler.h"

#include <cstring>

namespace rtparchive::codec {

void FrameAssembler::Add(AssemblerPacket packet) {
  CountMissingFrames(packet.info.frame_number);
  if (!collected_.empty() && packet.rtp_timestamp != collected_.front().rtp_timestamp) {
    DropCollected(FrameDrop::kIncomplete);  // a new frame began before this one ended
  }
  if (packet.info.starts_frame) {
    if (!collected_.empty()) DropCollected(FrameDrop::kIncomplete);  // restarted
    skipped_timestamp_.reset();
  } else if (collected_.empty()) {
    if (skipped_timestamp_ != packet.rtp_timestamp) {
      listener_->OnFrameDropped(FrameDrop::kMissingStart, 1);
      skipped_timestamp_ = packet.rtp_timestamp;
    }
    return;
  }
  collected_bytes_ += packet.info.data.size();
  const bool ends_frame = packet.info.ends_frame;
  collected_.push_back(std::move(packet));
  if (collected_bytes_ > limits_.max_frame_bytes ||
      collected_.size() > limits_.max_packets_per_frame) {
    DropCollected(FrameDrop::kTooLarge);
    return;
  }
  if (ends_frame) Complete();
}

void FrameAssembler::Discontinuity() {
  if (!collected_.empty()) DropCollected(FrameDrop::kIncomplete);
}

void FrameAssembler::Flush() { Discontinuity(); }

void FrameAssembler::CountMissingFrames(const std::optional<FrameNumber>& number) {
  if (!number) return;
  if (last_frame_number_ && last_frame_number_->modulus == number->modulus &&
      last_frame_number_->value != number->value) {
    const uint32_t modulus = number->modulus;
    const uint32_t step = (number->value + modulus - last_frame_number_->value) % modulus;
    // Only a forward step by less than half the ring is a gap; anything else
    // is a reordered or restarted numbering.
    if (step > 1 && step < modulus / 2) listener_->OnFrameDropped(FrameDrop::kLostEntirely, step - 1);
  }
  if (!last_frame_number_ || last_frame_number_->modulus != number->modulus ||
      (number->value + number->modulus - last_frame_number_->value) % number->modulus <
          number->modulus / 2) {
    last_frame_number_ = number;
  }
}

void FrameAssembler::DropCollected(FrameDrop reason) {
  skipped_timestamp_ = collected_.front().rtp_timestamp;
  collected_.clear();
  collected_bytes_ = 0;
  listener_->OnFrameDropped(reason, 1);
}

void FrameAssembler::Complete() {
  EncodedFrame frame;
  frame.rtp_timestamp = collected_.front().rtp_timestamp;
  frame.keyframe = collected_.front().info.keyframe;
  frame.data.resize(collected_bytes_);  // one allocation, one copy per fragment
  size_t offset = 0;
  for (const AssemblerPacket& packet : collected_) {
    std::memcpy(frame.data.data() + offset, packet.info.data.data(), packet.info.data.size());
    offset += packet.info.data.size();
  }
  collected_.clear();
  collected_bytes_ = 0;
  listener_->OnFrame(std::move(frame));
}

}  // namespace rtparchive::codec
