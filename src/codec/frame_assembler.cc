#include "codec/frame_assembler.h"

#include <cstring>

namespace rtparchive::codec {

void FrameAssembler::Add(AssemblerPacket packet) {
  CountMissingFrames(packet.info.frame_number);
  if (!collected_.empty() && packet.rtp_timestamp != collected_.front().rtp_timestamp) {
    DropCollected(FrameDrop::kIncomplete);  // a new frame began before this one ended
  }
  if (marked_starts_ && packet.info.starts_frame) {
    if (!collected_.empty()) DropCollected(FrameDrop::kIncomplete);  // restarted
    skipped_timestamp_.reset();
  } else if (collected_.empty() && !CanStartFrame(packet)) {
    return;
  }
  if (!NalPiecesFollow(packet)) {
    // Fragments of two NAL units interleaved, or an end without its start.
    if (!collected_.empty()) DropCollected(FrameDrop::kIncomplete);
    skipped_timestamp_ = packet.rtp_timestamp;
    nal_open_ = false;
    return;
  }
  collected_bytes_ += packet.info.data.size();
  for (const NalPiece& piece : packet.info.nal_pieces) collected_bytes_ += piece.bytes.size() + 5;
  const bool ends_frame = packet.info.ends_frame;
  collected_.push_back(std::move(packet));
  if (collected_bytes_ > limits_.max_frame_bytes ||
      collected_.size() > limits_.max_packets_per_frame) {
    DropCollected(FrameDrop::kTooLarge);
    return;
  }
  if (ends_frame) Complete();
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
  if (collected_.empty()) nal_open_ = false;
  for (const NalPiece& piece : packet.info.nal_pieces) {
    if (piece.starts_nal == nal_open_) return false;  // a start inside, or a piece outside, a NAL
    nal_open_ = !piece.ends_nal;
  }
  return true;
}

void FrameAssembler::Discontinuity() {
  if (!collected_.empty()) DropCollected(FrameDrop::kIncomplete);
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
  skipped_timestamp_ = collected_.front().rtp_timestamp;
  ClearCollected();
  listener_->OnFrameDropped(reason, 1);
}

void FrameAssembler::ClearCollected() {
  if (pool_ != nullptr) {
    for (AssemblerPacket& packet : collected_) pool_->GiveBack(std::move(packet.storage));
  }
  collected_.clear();
  collected_bytes_ = 0;
}

std::vector<uint8_t> FrameAssembler::JoinCollected() const {
  size_t total = 0;
  for (const AssemblerPacket& packet : collected_) {
    total += packet.info.data.size();
    for (const NalPiece& piece : packet.info.nal_pieces) {
      total += (piece.starts_nal ? 4 : 0) + (piece.header ? 1 : 0) + piece.bytes.size();
    }
  }
  // One allocation, one copy per fragment, and no zero-filling first.
  std::vector<uint8_t> data;
  data.reserve(total);
  std::optional<size_t> nal_length;  // where the open NAL's length goes
  auto close_nal = [&] {
    if (!nal_length) return;
    const size_t size = data.size() - *nal_length - 4;
    for (int i = 0; i < 4; ++i) data[*nal_length + i] = static_cast<uint8_t>(size >> (24 - 8 * i));
  };
  for (const AssemblerPacket& packet : collected_) {
    data.insert(data.end(), packet.info.data.begin(), packet.info.data.end());
    for (const NalPiece& piece : packet.info.nal_pieces) {
      if (piece.starts_nal) {
        close_nal();
        nal_length = data.size();
        data.insert(data.end(), 4, 0);
      }
      if (piece.header) data.push_back(*piece.header);
      data.insert(data.end(), piece.bytes.begin(), piece.bytes.end());
    }
  }
  close_nal();
  return data;
}

void FrameAssembler::Complete() {
  if (nal_open_) {  // the frame ended inside a fragmented NAL unit
    DropCollected(FrameDrop::kIncomplete);
    nal_open_ = false;
    return;
  }
  EncodedFrame frame;
  frame.rtp_timestamp = collected_.front().rtp_timestamp;
  for (const AssemblerPacket& packet : collected_) frame.keyframe |= packet.info.keyframe;
  frame.data = JoinCollected();
  ClearCollected();
  if (!marked_starts_) boundary_known_ = true;
  listener_->OnFrame(std::move(frame));
}

}  // namespace rtparchive::codec
