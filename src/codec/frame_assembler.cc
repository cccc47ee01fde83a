#include "codec/frame_assembler.h"

namespace rtparchive::codec {

void FrameAssembler::Add(const AssemblerPacket& packet) {
  CountMissingFrames(packet.info.frame_number);
  if (collected_packets_ > 0 && packet.rtp_timestamp != collected_timestamp_) {
    DropCollected(FrameDrop::kIncomplete);  // a new frame began before this one ended
  }
  if (marked_starts_ && packet.info.starts_frame) {
    if (collected_packets_ > 0) DropCollected(FrameDrop::kIncomplete);  // restarted
    skipped_timestamp_.reset();
  } else if (collected_packets_ == 0 && !CanStartFrame(packet)) {
    return;
  }
  if (!NalPiecesFollow(packet)) {
    // Fragments of two NAL units interleaved, or an end without its start.
    if (collected_packets_ > 0) DropCollected(FrameDrop::kIncomplete);
    skipped_timestamp_ = packet.rtp_timestamp;
    nal_open_ = false;
    return;
  }
  size_t packet_bytes = packet.info.data.size();
  for (const NalPiece& piece : packet.info.nal_pieces) packet_bytes += piece.bytes.size() + 5;
  if (collected_packets_ == 0) {
    collected_timestamp_ = packet.rtp_timestamp;
    collected_keyframe_ = false;
    // A frame of one packet (audio) gets what it needs; a longer one room for
    // a little more than the last such frame, so that most frames are copied
    // in once and never moved as they grow.
    frame_.reserve(packet.info.ends_frame ? packet_bytes : last_frame_bytes_ + kFrameSlackBytes);
  }
  ++collected_packets_;
  collected_keyframe_ |= packet.info.keyframe;
  collected_bytes_ += packet_bytes;
  if (collected_bytes_ > limits_.max_frame_bytes ||
      collected_packets_ > limits_.max_packets_per_frame) {
    DropCollected(FrameDrop::kTooLarge);
    return;
  }
  AppendToFrame(packet);
  if (packet.info.ends_frame) Complete();
}

bool FrameAssembler::CanStartFrame(const AssemblerPacket& packet) {
  const uint32_t timestamp = packet.rtp_timestamp;
  bool can_start;
  if (marked_starts_) {
    can_start = false;  // a start would have been taken above
  } else {
    const bool starts_nal =
        !packet.info.nal_pieces.empty() && packet.info.nal_pieces.front().starts_nal;
    can_start = boundary_known_ && starts_nal && skipped_timestamp_ != timestamp;
    if (packet.info.ends_frame) boundary_known_ = true;  // the next timestamp starts clean
  }
  if (can_start) {
    skipped_timestamp_.reset();
    return true;
  }
  if (skipped_timestamp_ != timestamp) {
    listener_->OnFrameDropped(FrameDrop::kMissingStart, 1);
    skipped_timestamp_ = timestamp;
  }
  return false;
}

bool FrameAssembler::NalPiecesFollow(const AssemblerPacket& packet) {
  if (collected_packets_ == 0) nal_open_ = false;
  for (const NalPiece& piece : packet.info.nal_pieces) {
    if (piece.starts_nal == nal_open_) return false;  // a start inside, or a piece outside, a NAL
    nal_open_ = !piece.ends_nal;
  }
  return true;
}

void FrameAssembler::Discontinuity() {
  if (collected_packets_ > 0) DropCollected(FrameDrop::kIncomplete);
  boundary_known_ = false;
  nal_open_ = false;
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
    if (step > 1 && step < modulus / 2)
      listener_->OnFrameDropped(FrameDrop::kLostEntirely, step - 1);
  }
  if (!last_frame_number_ || last_frame_number_->modulus != number->modulus ||
      (number->value + number->modulus - last_frame_number_->value) % number->modulus <
          number->modulus / 2) {
    last_frame_number_ = number;
  }
}

void FrameAssembler::DropCollected(FrameDrop reason) {
  skipped_timestamp_ = collected_timestamp_;
  ClearCollected();
  listener_->OnFrameDropped(reason, 1);
}

void FrameAssembler::ClearCollected() {
  frame_.clear();
  nal_length_at_.reset();
  collected_packets_ = 0;
  collected_bytes_ = 0;
}

void FrameAssembler::AppendToFrame(const AssemblerPacket& packet) {
  frame_.insert(frame_.end(), packet.info.data.begin(), packet.info.data.end());
  for (const NalPiece& piece : packet.info.nal_pieces) {
    if (piece.starts_nal) {
      CloseNal();
      nal_length_at_ = frame_.size();
      frame_.insert(frame_.end(), 4, 0);
    }
    if (piece.header) frame_.push_back(*piece.header);
    frame_.insert(frame_.end(), piece.bytes.begin(), piece.bytes.end());
  }
}

void FrameAssembler::CloseNal() {
  if (!nal_length_at_) return;
  const size_t size = frame_.size() - *nal_length_at_ - 4;
  for (int i = 0; i < 4; ++i) {
    frame_[*nal_length_at_ + i] = static_cast<uint8_t>(size >> (24 - 8 * i));
  }
  nal_length_at_.reset();
}

void FrameAssembler::Complete() {
  if (nal_open_) {  // the frame ended inside a fragmented NAL unit
    DropCollected(FrameDrop::kIncomplete);
    nal_open_ = false;
    return;
  }
  CloseNal();
  // Frames wait seconds for a sender report and for the other track, so a
  // frame much smaller than its buffer (after a large keyframe) gives the
  // rest back.
  if (frame_.capacity() > frame_.size() + frame_.size() / 4 + kFrameSlackBytes) {
    frame_.shrink_to_fit();
  }
  EncodedFrame frame;
  frame.rtp_timestamp = collected_timestamp_;
  frame.keyframe = collected_keyframe_;
  if (collected_packets_ > 1) last_frame_bytes_ = frame_.size();
  frame.data = std::move(frame_);
  frame_ = std::vector<uint8_t>();  // the next frame gets a buffer of its own
  ClearCollected();
  if (!marked_starts_) boundary_known_ = true;
  listener_->OnFrame(std::move(frame));
}

}  // namespace rtparchive::codec
