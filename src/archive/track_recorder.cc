#include "archive/track_recorder.h"

#include "absl/strings/str_format.h"
#include "codec/h264_bitstream.h"
#include "codec/h264_depacketizer.h"
#include "codec/opus_depacketizer.h"
#include "codec/vp8_depacketizer.h"
#include "base/wrap_around.h"
#include "rtp/header_extensions.h"

namespace rtparchive::archive {
namespace {

std::unique_ptr<codec::Depacketizer> MakeDepacketizer(PayloadFormat format) {
  switch (format) {
    case PayloadFormat::kVp8:
      return std::make_unique<codec::Vp8Depacketizer>();
    case PayloadFormat::kH264:
      return std::make_unique<codec::H264Depacketizer>();
    case PayloadFormat::kOpus:
    case PayloadFormat::kRed:  // never a track's media format
    case PayloadFormat::kRtx:
    case PayloadFormat::kUlpfec:
      break;
  }
  return std::make_unique<codec::OpusDepacketizer>();
}

}  // namespace

TrackRecorder::TrackRecorder(Config config, FrameOutput on_frame, KeyframeOutput on_keyframe_needed,
                             LogFunction log, const std::string& log_context)
    : config_(config),
      on_frame_(std::move(on_frame)),
      on_keyframe_needed_(std::move(on_keyframe_needed)),
      depacketizer_(MakeDepacketizer(config.format.format)),
      reorder_(config.reorder),
      assembler_(this, depacketizer_->marks_frame_starts()),
      clock_(config.format.clock_rate_hz),
      payload_drops_(log_context, log),
      frame_drops_(log_context, std::move(log)),
      waiting_for_keyframe_(config.kind == MediaKind::kVideo) {
  if (config_.format.format == PayloadFormat::kH264) {
    h264_.emplace();
    for (const std::vector<uint8_t>& nal : config_.format.parameter_sets) h264_->Add(nal);
  }
}

void TrackRecorder::OnRtp(const rtp::RtpPacketView& view, int64_t arrival_time_us,
                          bool retransmission) {
  if (!started_) {
    started_ = true;
    if (config_.kind == MediaKind::kVideo && on_keyframe_needed_) {
      on_keyframe_needed_(config_.ssrc, "start");
    }
  }
  const uint16_t sequence_number = view.sequence_number();
  const reorder::PushResult pushed = reorder_.Push(
      sequence_number, arrival_time_us, HeldPacket{{}, view, arrival_time_us},
      [this](Buffer::Released released) { OnReleased(std::move(released)); }, retransmission);
  if (HeldPacket* kept = reorder_.Held(sequence_number); kept != nullptr && kept->storage.empty()) {
    // Kept for a packet before it: the caller's bytes will not last.
    kept->storage = config_.packet_buffers != nullptr
                        ? config_.packet_buffers->Copy(view.bytes())
                        : std::vector<uint8_t>(view.bytes().begin(), view.bytes().end());
    kept->view.Parse(kept->storage);
  }
  if (retransmission) {
    ++retransmissions_;
    if (pushed == reorder::PushResult::kDuplicate) ++retransmitted_duplicates_;
    if (pushed == reorder::PushResult::kLate) ++retransmitted_late_;
  }
  ReleaseHeldFrames(arrival_time_us, /*force=*/false);
}

void TrackRecorder::OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp) {
  clock_.OnSenderReport(ntp_time_us, rtp_timestamp);
  ReleaseHeldFrames(0, /*force=*/true);  // the report anchors them
}

void TrackRecorder::Flush() {
  reorder_.Flush([this](Buffer::Released released) { OnReleased(std::move(released)); });
  assembler_.Flush();
  ReleaseHeldFrames(0, /*force=*/true);
}

void TrackRecorder::ReleaseHeldFrames(int64_t now_us, bool force) {
  if (held_frames_.empty()) return;
  if (!force && now_us - held_frames_.front().second < config_.sender_report_wait_us) return;
  while (!held_frames_.empty()) {
    auto [frame, arrival_time_us] = std::move(held_frames_.front());
    held_frames_.pop_front();
    Emit(std::move(frame), arrival_time_us);
  }
}

void TrackRecorder::Emit(codec::EncodedFrame frame, int64_t arrival_time_us) {
  frame.capture_time_us = clock_.CaptureTimeUs(frame.rtp_timestamp, arrival_time_us);
  ++frames_written_;
  on_frame_(config_.kind, std::move(frame));
}

void TrackRecorder::OnReleased(Buffer::Released released) {
  HeldPacket& packet = released.item;
  const rtp::RtpPacketView& view = packet.view;
  absl::Span<const uint8_t> payload = view.payload();
  int payload_type = view.payload_type();
  rtp::RedBlocks red;
  auto format = config_.stream_payload_types.find(payload_type);
  const bool is_red =
      format != config_.stream_payload_types.end() && format->second.format == PayloadFormat::kRed;
  if (is_red && !payload.empty()) {
    const rtp::RedError error = rtp::ParseRed(payload, &red);
    if (error != rtp::RedError::kNone) {
      OnLoss(released.lost_before, released.restart_before);
      payload_drops_.Count(rtp::ToString(error),
                           absl::StrFormat("at sequence number %d", view.sequence_number()));
      assembler_.Discontinuity();
      OnVideoLoss();
      return;
    }
    payload_type = red.back().payload_type;
    payload = red.back().data;
    format = config_.stream_payload_types.find(payload_type);
  }
  int64_t lost = released.lost_before;
  if (lost > 0 && red.size() > 1 && config_.kind == MediaKind::kAudio) {
    assembler_.Discontinuity();
    lost -= std::min(lost, RecoverFromRedundancy(red, view.timestamp()));
  }
  OnLoss(lost, released.restart_before);
  ReadOrientation(view);
  // Padding (a probe on the media SSRC) and FEC hold a sequence number but
  // no media: skipping them is not a loss.
  if (payload.empty()) return;
  if (format != config_.stream_payload_types.end() &&
      format->second.format == PayloadFormat::kUlpfec) {
    ++fec_packets_;
    return;
  }
  if (payload_type != config_.payload_type) {
    payload_drops_.Count("unexpected_payload_type",
                         absl::StrFormat("payload type %d at sequence number %d (the track's is %d)",
                                         payload_type, view.sequence_number(),
                                         config_.payload_type));
    assembler_.Discontinuity();
    OnVideoLoss();
    return;
  }
  Assemble(payload, packet, view.timestamp());
  if (config_.packet_buffers != nullptr && !packet.storage.empty()) {
    config_.packet_buffers->GiveBack(std::move(packet.storage));
  }
}

void TrackRecorder::OnLoss(int64_t lost_packets, bool restart) {
  if (lost_packets == 0 && !restart) return;
  assembler_.Discontinuity();
  // For audio every lost packet is a lost frame; video counts its lost
  // frames from the codec's frame numbers.
  if (config_.kind == MediaKind::kAudio && lost_packets > 0) {
    OnFrameDropped(codec::FrameDrop::kLostEntirely, lost_packets);
  } else {
    OnVideoLoss();
  }
}

int64_t TrackRecorder::RecoverFromRedundancy(const rtp::RedBlocks& blocks, uint32_t timestamp) {
  int64_t recovered = 0;
  for (size_t i = 0; i + 1 < blocks.size(); ++i) {  // oldest first; the last is the primary
    const rtp::RedBlock& block = blocks[i];
    const uint32_t block_timestamp = timestamp - block.timestamp_offset;
    const bool newer = !last_audio_timestamp_ ||
                       ForwardDistance<uint32_t>(*last_audio_timestamp_, block_timestamp) > 0;
    if (block.payload_type != config_.payload_type || block.data.empty() || !newer) continue;
    ++recovered;
    ++frames_recovered_;
    Assemble(block.data, HeldPacket{{}, {}, current_arrival_us_}, block_timestamp);
  }
  return recovered;
}

void TrackRecorder::Assemble(absl::Span<const uint8_t> payload, const HeldPacket& packet,
                             uint32_t timestamp) {
  codec::AssemblerPacket input;
  const codec::PayloadError error =
      depacketizer_->Parse(payload, packet.view.marker(), &input.info);
  if (error != codec::PayloadError::kNone) {
    payload_drops_.Count(codec::ToString(error),
                         absl::StrFormat("at sequence number %d", packet.view.sequence_number()));
    assembler_.Discontinuity();
    OnVideoLoss();
    return;
  }
  input.rtp_timestamp = timestamp;
  last_rtp_timestamp_ = timestamp;
  current_arrival_us_ = packet.arrival_time_us;
  if (config_.kind == MediaKind::kAudio) last_audio_timestamp_ = timestamp;
  assembler_.Add(input);
}

void TrackRecorder::ReadOrientation(const rtp::RtpPacketView& view) {
  if (config_.video_orientation_extension_id == 0) return;
  const std::optional<int> rotation = rtp::ParseVideoOrientation(
      view.FindExtension(static_cast<uint8_t>(config_.video_orientation_extension_id)));
  if (rotation) rotation_ = rotation;
}

void TrackRecorder::OnVideoLoss() {
  if (config_.kind != MediaKind::kVideo || !config_.wait_for_keyframe_after_loss ||
      waiting_for_keyframe_) {
    return;
  }
  waiting_for_keyframe_ = true;
  if (on_keyframe_needed_) on_keyframe_needed_(config_.ssrc, "loss");
}

void TrackRecorder::OnFrame(codec::EncodedFrame frame) {
  if (config_.kind == MediaKind::kVideo) {
    if (h264_) {
      parameter_sets_removed_ += codec::RemoveRepeatedParameterSets(&frame.data);
      h264_->AddFromFrame(frame.data);
    }
    if (frame.keyframe) {
      if (!DescribeKeyframe(frame)) {
        OnFrameDropped(h264_ ? codec::FrameDrop::kNoParameterSets
                             : codec::FrameDrop::kKeyframeWithoutSize,
                       1);
        return;
      }
      waiting_for_keyframe_ = false;
    } else if (waiting_for_keyframe_) {
      OnFrameDropped(codec::FrameDrop::kWaitingForKeyframe, 1);
      return;
    }
    if (rotation_) {
      frame.rotation_degrees = rotation_;
      if (!first_rotation_) first_rotation_ = rotation_;
      if (last_rotation_ && *last_rotation_ != *rotation_) ++rotation_changes_;
      last_rotation_ = rotation_;
    }
  }
  if (clock_.anchor() == timing::CaptureClock::Anchor::kNone && config_.sender_report_wait_us > 0) {
    held_frames_.emplace_back(std::move(frame), current_arrival_us_);
    return;
  }
  Emit(std::move(frame), current_arrival_us_);
}

bool TrackRecorder::DescribeKeyframe(codec::EncodedFrame& frame) {
  if (h264_) {
    if (!h264_->complete()) return false;
    frame.size = h264_->size();
    frame.codec_config = h264_->Avcc();
  } else {
    // A damaged keyframe header: no decoder could start from it, and the
    // file's track would have no picture size.
    frame.size = depacketizer_->KeyframeSize(frame.data);
    if (!frame.size) return false;
  }
  if (frame.size) {
    if (!last_size_ || !(*last_size_ == *frame.size)) {
      if (last_size_) ++resolution_changes_;
      if (resolutions_.size() < 64) resolutions_.emplace_back(frame.size->width, frame.size->height);
    }
    last_size_ = frame.size;
  }
  return true;
}

void TrackRecorder::OnFrameDropped(codec::FrameDrop reason, int64_t count) {
  // Waiting for a keyframe is the expected aftermath of a loss, not news.
  if (reason == codec::FrameDrop::kWaitingForKeyframe) {
    waiting_drops_ += count;
    return;
  }
  frame_drops_.Count(codec::ToString(reason),
                     absl::StrFormat("frame(s) near RTP time %u", last_rtp_timestamp_), count);
  OnVideoLoss();
}

TrackCounters TrackRecorder::counters() const {
  TrackCounters counters;
  counters.kind = config_.kind;
  counters.ssrc = config_.ssrc;
  counters.payload_type = config_.payload_type;
  const reorder::ReorderCounters& reorder = reorder_.counters();
  // Retransmissions are counted apart: the reorder buffer saw them too.
  counters.packets = reorder.received - retransmissions_;
  counters.packets_lost = reorder.lost;
  counters.packets_retransmitted = retransmissions_;
  counters.retransmissions_unneeded = retransmitted_duplicates_ + retransmitted_late_;
  counters.packets_duplicate = reorder.duplicates - retransmitted_duplicates_;
  counters.packets_late = reorder.late - retransmitted_late_;
  counters.fec_packets = fec_packets_;
  counters.frames_recovered = frames_recovered_;
  counters.rotation_degrees = first_rotation_.value_or(-1);
  counters.rotation_changes = rotation_changes_;
  counters.frames_written = frames_written_;
  counters.timestamp_jumps = clock_.jumps();
  counters.frames_dropped = frame_drops_.counts();
  if (waiting_drops_ > 0) {
    counters.frames_dropped[codec::ToString(codec::FrameDrop::kWaitingForKeyframe)] = waiting_drops_;
  }
  counters.packets_dropped = payload_drops_.counts();
  switch (clock_.anchor()) {
    case timing::CaptureClock::Anchor::kSenderReport:
      counters.clock = "sender_report";
      break;
    case timing::CaptureClock::Anchor::kArrival:
      counters.clock = "arrival";
      break;
    case timing::CaptureClock::Anchor::kNone:
      counters.clock = "none";
      break;
  }
  counters.resolution_changes = resolution_changes_;
  counters.resolutions = resolutions_;
  counters.repeated_parameter_sets_removed = parameter_sets_removed_;
  if (!resolutions_.empty()) {
    counters.width = resolutions_.front().first;
    counters.height = resolutions_.front().second;
  }
  return counters;
}

}  // namespace rtparchive::archive
