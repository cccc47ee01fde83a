#include "archive/track_recorder.h"

#include "absl/strings/str_format.h"
#include "codec/h264_bitstream.h"
#include "codec/h264_depacketizer.h"
#include "codec/opus_depacketizer.h"
#include "codec/vp8_depacketizer.h"

namespace rtparchive::archive {
namespace {

std::unique_ptr<codec::Depacketizer> MakeDepacketizer(PayloadFormat format) {
  switch (format) {
    case PayloadFormat::kVp8:
      return std::make_unique<codec::Vp8Depacketizer>();
    case PayloadFormat::kH264:
      return std::make_unique<codec::H264Depacketizer>();
    case PayloadFormat::kOpus:
      return std::make_unique<codec::OpusDepacketizer>();
  }
  return nullptr;
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
      payload_drops_(log_context, std::move(log)),
      waiting_for_keyframe_(config.kind == MediaKind::kVideo) {
  if (config_.format.format == PayloadFormat::kH264) {
    h264_.emplace();
    for (const std::vector<uint8_t>& nal : config_.format.parameter_sets) h264_->Add(nal);
  }
}

void TrackRecorder::OnRtp(std::vector<uint8_t> storage, const rtp::RtpPacketView& view,
                          int64_t arrival_time_us) {
  if (!started_) {
    started_ = true;
    if (config_.kind == MediaKind::kVideo && on_keyframe_needed_) {
      on_keyframe_needed_(config_.ssrc, "start");
    }
  }
  const uint16_t sequence_number = view.sequence_number();
  HeldPacket held{std::move(storage), view, arrival_time_us};
  reorder_.Push(sequence_number, arrival_time_us, std::move(held),
                [this](Buffer::Released released) { OnReleased(std::move(released)); });
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
  if (released.lost_before > 0 || released.restart_before) {
    assembler_.Discontinuity();
    // For audio every lost packet is a lost frame; video counts its lost
    // frames from the codec's frame numbers.
    if (config_.kind == MediaKind::kAudio && released.lost_before > 0) {
      OnFrameDropped(codec::FrameDrop::kLostEntirely, released.lost_before);
    } else {
      OnVideoLoss();
    }
  }
  HeldPacket& packet = released.item;
  codec::AssemblerPacket input;
  const codec::PayloadError error =
      depacketizer_->Parse(packet.view.payload(), packet.view.marker(), &input.info);
  if (error != codec::PayloadError::kNone) {
    payload_drops_.Count(codec::ToString(error),
                         absl::StrFormat("at sequence number %d", packet.view.sequence_number()));
    assembler_.Discontinuity();
    OnVideoLoss();
    return;
  }
  input.rtp_timestamp = packet.view.timestamp();
  input.storage = std::move(packet.storage);  // input.info.data stays valid
  current_arrival_us_ = packet.arrival_time_us;
  assembler_.Add(std::move(input));
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
        OnFrameDropped(codec::FrameDrop::kNoParameterSets, 1);
        return;
      }
      waiting_for_keyframe_ = false;
    } else if (waiting_for_keyframe_) {
      OnFrameDropped(codec::FrameDrop::kWaitingForKeyframe, 1);
      return;
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
    frame.size = depacketizer_->KeyframeSize(frame.data);
  }
  if (frame.size) {
    if (!first_size_) first_size_ = frame.size;
    if (last_size_ && !(*last_size_ == *frame.size)) ++resolution_changes_;
    last_size_ = frame.size;
  }
  return true;
}

void TrackRecorder::OnFrameDropped(codec::FrameDrop reason, int64_t count) {
  frame_drops_[codec::ToString(reason)] += count;
  if (reason != codec::FrameDrop::kWaitingForKeyframe) OnVideoLoss();
}

TrackCounters TrackRecorder::counters() const {
  TrackCounters counters;
  counters.kind = config_.kind;
  counters.ssrc = config_.ssrc;
  counters.payload_type = config_.payload_type;
  const reorder::ReorderCounters& reorder = reorder_.counters();
  counters.packets = reorder.received;
  counters.packets_lost = reorder.lost;
  counters.packets_duplicate = reorder.duplicates;
  counters.packets_late = reorder.late;
  counters.frames_written = frames_written_;
  counters.timestamp_jumps = clock_.jumps();
  counters.frames_dropped = frame_drops_;
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
  counters.repeated_parameter_sets_removed = parameter_sets_removed_;
  if (first_size_) {
    counters.width = first_size_->width;
    counters.height = first_size_->height;
  }
  return counters;
}

}  // namespace rtparchive::archive
