// StreamRecorder, packets in: RTP and RTCP routed by SSRC to tracks, simulcast
// layers and segments, RTX paired with what it repairs. Frames out, into
// segment files: stream_recorder_segments.cc.
#include "archive/stream_recorder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "rtp/header_extensions.h"
#include "rtp/red_payload.h"
#include "rtp/rtcp_packet.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtx_packet.h"

namespace rtparchive::archive {
namespace {

// A new SSRC replaces the publisher's SSRCs (a reconnect) only when all of
// them have been silent this long; otherwise the publisher is still there
// and the SSRC is a simulcast layer, or its audio's new source.
constexpr int64_t kReplacedAfterUs = 500'000;

bool IsMedia(PayloadFormat format) {
  return format == PayloadFormat::kVp8 || format == PayloadFormat::kH264 ||
         format == PayloadFormat::kOpus;
}

int ExtensionId(const std::map<int, std::string>& extensions, absl::string_view uri) {
  for (const auto& [id, mapped] : extensions) {
    if (mapped == uri) return id;
  }
  return 0;
}

}  // namespace

StreamRecorder::StreamRecorder(Config config, TrackRecorder::KeyframeOutput on_keyframe_needed,
                               LogFunction log)
    : config_(std::move(config)),
      on_keyframe_needed_(std::move(on_keyframe_needed)),
      log_(log),
      packet_drops_(absl::StrCat("stream ", config_.stream.stream_id), log),
      interleaver_(config_.interleave_window_us,
                   [this](MediaKind kind, codec::EncodedFrame frame) {
                     WriteFrame(kind, std::move(frame));
                   }),
      rid_extension_id_(ExtensionId(config_.stream.header_extensions, kRtpStreamIdExtension)),
      repaired_rid_extension_id_(
          ExtensionId(config_.stream.header_extensions, kRepairedRtpStreamIdExtension)),
      segment_index_(config_.first_segment_index) {}

absl::Status StreamRecorder::PushPacket(absl::Span<const uint8_t> packet, int64_t arrival_time_us) {
  if (!write_status_.ok()) return write_status_;
  // A publisher silent for longer than gone_after_us was gone: what comes now
  // is a new segment.
  if (last_packet_arrival_us_ &&
      arrival_time_us - *last_packet_arrival_us_ > config_.gone_after_us &&
      !tracks_by_ssrc_.empty()) {
    CloseSegment(SegmentEnd::kGone);
    if (!write_status_.ok()) return write_status_;
  }
  last_packet_arrival_us_ = arrival_time_us;
  if (rtp::LooksLikeRtcp(packet)) {
    OnRtcp(packet, arrival_time_us);
  } else {
    OnRtp(packet, arrival_time_us);
  }
  // Every packet tells the layer selector that time passed, audio's too:
  // simulcast video that went silent still has its last frames written.
  AdvanceLayers(arrival_time_us);
  return write_status_;
}

void StreamRecorder::OnRtcp(absl::Span<const uint8_t> packet, int64_t arrival_time_us) {
  ++rtcp_packets_;
  rtp::RtcpCompound compound;
  const rtp::RtcpError error = rtp::ParseRtcpCompound(packet, &compound);
  if (error != rtp::RtcpError::kNone) {
    packet_drops_.Count(rtp::ToString(error),
                        absl::StrFormat("in a %d-byte RTCP packet", packet.size()));
  }
  // Reports parsed before an error in the compound are still good. Each
  // one's NTP time is the publisher's clock: the tracks get it on ours. A
  // report for an SSRC with no track yet is kept as it came: it may be a
  // reconnected publisher's, on another clock, which counts from its segment.
  for (const rtp::SenderReport& report : compound.sender_reports) {
    const EarlyReport received{rtp::NtpToUnixMicros(report.ntp_time), report.rtp_timestamp,
                               arrival_time_us};
    auto track = tracks_by_ssrc_.find(report.ssrc);
    if (track != tracks_by_ssrc_.end()) {
      PassSenderReport(received, track->second->recorder.get());
    } else if (early_sender_reports_.size() < kMaxTracksPerStream ||
               early_sender_reports_.count(report.ssrc)) {
      early_sender_reports_[report.ssrc] = received;
    }
  }
}

void StreamRecorder::PassSenderReport(const EarlyReport& report, TrackRecorder* track) {
  sender_clock_.OnReport(report.sender_time_us, report.arrival_time_us);
  track->OnSenderReport(sender_clock_.ToReceiver(report.sender_time_us), report.rtp_timestamp);
}

void StreamRecorder::OnRtp(absl::Span<const uint8_t> packet, int64_t arrival_time_us) {
  // Parsed in the caller's buffer: the track copies what it must keep.
  rtp::RtpPacketView view;
  const rtp::RtpError error = view.Parse(packet);
  if (error != rtp::RtpError::kNone) {
    packet_drops_.Count(rtp::ToString(error),
                        absl::StrFormat("in a %d-byte packet", packet.size()));
    return;
  }
  auto format = config_.stream.payload_types.find(view.payload_type());
  if (format != config_.stream.payload_types.end() &&
      format->second.format == PayloadFormat::kRtx) {
    OnRtx(view, format->second.associated_payload_type, arrival_time_us);
    return;
  }
  auto existing = tracks_by_ssrc_.find(view.ssrc());
  if (view.payload().empty() && config_.stream.rtx_ssrcs.count(view.ssrc())) {
    ++rtx_padding_packets_;  // a probe on the RTX SSRC, under a payload type not mapped
    return;
  }
  if (view.payload().empty() && existing == tracks_by_ssrc_.end()) {
    // Padding-only packets (bandwidth probes) carry no media.
    packet_drops_.Count("padding_only", absl::StrFormat("from ssrc %u", view.ssrc()));
    return;
  }
  // A known track takes every packet of its SSRC, padding and FEC included:
  // they hold sequence numbers.
  Track* track =
      existing != tracks_by_ssrc_.end() ? existing->second : TrackFor(view, arrival_time_us);
  if (track == nullptr) return;
  last_media_arrival_us_ = arrival_time_us;
  track->last_arrival_us = arrival_time_us;
  if (track->rid_reads_left > 0 && rid_extension_id_ != 0) ReadRid(track, view);
  track->recorder->OnRtp(view, arrival_time_us);
}

void StreamRecorder::ReadRid(Track* track, const rtp::RtpPacketView& view) {
  --track->rid_reads_left;
  std::optional<std::string> rid =
      rtp::ParseRtpStreamId(view.FindExtension(static_cast<uint8_t>(rid_extension_id_)));
  if (!rid) return;
  track->rid = *rid;
  track->rid_reads_left = 0;
  video_layers_->SetRid(track->layer, *rid);
}

void StreamRecorder::AdvanceLayers(int64_t now_us) {
  if (!video_layers_ || video_layers_->layer_count() < 2) return;
  video_layers_->Advance(now_us, [this](int layer) {
    const Track& track = *layer_tracks_[layer];
    return LayerSelector::LayerState{track.recorder->holding(), track.last_arrival_us};
  });
}

StreamRecorder::Track* StreamRecorder::RepairedTrack(const rtp::RtpPacketView& rtx,
                                                     MediaKind kind) {
  auto track_of = [this](uint32_t media_ssrc) -> Track* {
    auto track = tracks_by_ssrc_.find(media_ssrc);
    return track != tracks_by_ssrc_.end() ? track->second : nullptr;
  };
  // The SDP's FID group, or a pair found by the payloads.
  auto grouped = config_.stream.rtx_ssrcs.find(rtx.ssrc());
  if (grouped != config_.stream.rtx_ssrcs.end()) return track_of(grouped->second);
  // A simulcast layer's RTX names the layer's RID (RFC 8852), at least in
  // its first packets.
  if (repaired_rid_extension_id_ != 0) {
    std::optional<std::string> rid = rtp::ParseRtpStreamId(
        rtx.FindExtension(static_cast<uint8_t>(repaired_rid_extension_id_)));
    for (Track* layer : layer_tracks_) {
      if (!rid || layer->rid != *rid) continue;
      if (rtx_learned_.size() < kMaxTracksPerStream || rtx_learned_.count(rtx.ssrc())) {
        rtx_learned_[rtx.ssrc()] = layer->recorder->ssrc();
      }
      return layer;
    }
  }
  auto learned = rtx_learned_.find(rtx.ssrc());
  if (learned != rtx_learned_.end()) return track_of(learned->second);
  // Unpaired: it repairs the kind's track, unless there are several layers.
  if (kind == MediaKind::kVideo && layer_tracks_.size() > 1) return nullptr;
  return segment_track_[static_cast<int>(kind)];
}

void StreamRecorder::OnRtx(const rtp::RtpPacketView& rtx, int associated_payload_type,
                           int64_t arrival_time_us) {
  if (!rtp::HasRetransmission(rtx)) {
    ++rtx_padding_packets_;  // bandwidth probes: expected, not logged
    return;
  }
  auto original = config_.stream.payload_types.find(associated_payload_type);
  if (original == config_.stream.payload_types.end()) {
    packet_drops_.Count("rtx_unknown_associated_payload_type",
                        absl::StrFormat("ssrc %u retransmits payload type %d, which is not mapped",
                                        rtx.ssrc(), associated_payload_type));
    return;
  }
  const MediaKind kind = KindOf(original->second);
  Track* media = RepairedTrack(rtx, kind);
  if (media == nullptr && kind == MediaKind::kVideo && layer_tracks_.size() > 1) {
    packet_drops_.Count("rtx_layer_unknown",
                        absl::StrFormat("ssrc %u: a retransmission for one of %d simulcast layers, "
                                        "not paired with one (no FID group or repaired RID)",
                                        rtx.ssrc(), layer_tracks_.size()));
    return;
  }
  if (media == nullptr) {
    packet_drops_.Count("rtx_without_media_track",
                        absl::StrFormat("ssrc %u: a retransmission before its media", rtx.ssrc()));
    return;
  }
  std::vector<uint8_t> restored = rtp::RestoreRetransmission(
      rtx, static_cast<uint8_t>(associated_payload_type), media->recorder->ssrc());
  rtp::RtpPacketView view;
  if (view.Parse(restored) != rtp::RtpError::kNone) return;  // cannot happen: rtx parsed
  last_media_arrival_us_ = arrival_time_us;
  media->last_arrival_us = arrival_time_us;
  media->recorder->OnRtp(view, arrival_time_us, /*retransmission=*/true);
}

StreamRecorder::Track* StreamRecorder::TrackFor(const rtp::RtpPacketView& view,
                                                int64_t arrival_time_us) {
  const uint32_t ssrc = view.ssrc();
  if (replaced_ssrcs_.count(ssrc)) {
    // Stragglers of the connection a reconnect replaced: recording them
    // would split the new segment again.
    packet_drops_.Count("replaced_ssrc", absl::StrFormat("ssrc %u after its segment ended", ssrc));
    return nullptr;
  }
  const std::optional<NewTrackFormat> format = RecordableFormat(view);
  if (!format) return nullptr;
  if (!MakeRoomForTrack(view, format->kind, arrival_time_us)) return nullptr;
  return AddTrack(ssrc, *format);
}

std::optional<StreamRecorder::NewTrackFormat> StreamRecorder::RecordableFormat(
    const rtp::RtpPacketView& view) {
  const uint32_t ssrc = view.ssrc();
  // The media's payload type: RED names it in its primary block.
  int payload_type = view.payload_type();
  auto format = config_.stream.payload_types.find(payload_type);
  if (format != config_.stream.payload_types.end() &&
      format->second.format == PayloadFormat::kRed) {
    rtp::RedBlocks blocks;
    const rtp::RedError error = rtp::ParseRed(view.payload(), &blocks);
    if (error != rtp::RedError::kNone) {
      packet_drops_.Count(rtp::ToString(error), absl::StrFormat("from ssrc %u", ssrc));
      return std::nullopt;
    }
    payload_type = blocks.back().payload_type;
    format = config_.stream.payload_types.find(payload_type);
  }
  if (format == config_.stream.payload_types.end()) {
    ++unknown_payload_type_;
    packet_drops_.Count("unknown_payload_type",
                        absl::StrFormat("payload type %d from ssrc %u; map it in the stream's "
                                        "payload types to record it",
                                        payload_type, ssrc));
    return std::nullopt;
  }
  if (!IsMedia(format->second.format)) {
    // FEC (or RED in RED) before any media packet of the SSRC.
    packet_drops_.Count("no_media_yet",
                        absl::StrFormat("payload type %d from ssrc %u before its first media packet",
                                        payload_type, ssrc));
    return std::nullopt;
  }
  if (all_tracks_.size() >= kMaxTracksPerStream) {
    packet_drops_.Count(
        "too_many_ssrcs",
        absl::StrFormat("ssrc %u: a stream records at most %d SSRCs", ssrc, kMaxTracksPerStream));
    return std::nullopt;
  }
  const MediaKind kind = KindOf(format->second);
  const bool archive_h264 = config_.video_codec == VideoCodec::kH264;
  if (kind == MediaKind::kVideo &&
      (format->second.format == PayloadFormat::kH264) != archive_h264) {
    packet_drops_.Count(
        "video_codec_not_the_archives",
        absl::StrFormat("ssrc %u: %s video in a %s archive", ssrc, archive_h264 ? "VP8" : "H.264",
                        archive_h264 ? "H.264" : "VP8"));
    return std::nullopt;
  }
  const bool wanted =
      kind == MediaKind::kVideo ? config_.stream.has_video : config_.stream.has_audio;
  if (!wanted) {
    packet_drops_.Count(kind == MediaKind::kVideo ? "video_not_recorded" : "audio_not_recorded",
                        absl::StrFormat("ssrc %u: the stream was added without it", ssrc));
    return std::nullopt;
  }
  return NewTrackFormat{payload_type, format->second, kind};
}

bool StreamRecorder::MakeRoomForTrack(const rtp::RtpPacketView& view, MediaKind kind,
                                      int64_t arrival_time_us) {
  const uint32_t ssrc = view.ssrc();
  // A second SSRC of a kind in one segment: a reconnect when everything
  // the publisher sent before has stopped; else a simulcast layer or the
  // audio's new source, which ends the old one's track alone.
  Track* same_kind = segment_track_[static_cast<int>(kind)];
  const bool named_layer = config_.stream.simulcast_ssrcs.count(ssrc) > 0 ||
                           (rid_extension_id_ != 0 &&
                            !view.FindExtension(static_cast<uint8_t>(rid_extension_id_)).empty());
  if (same_kind != nullptr && !(kind == MediaKind::kVideo && named_layer) &&
      SegmentSilentSince(arrival_time_us - kReplacedAfterUs)) {
    CloseSegment(SegmentEnd::kReconnect);
    if (!write_status_.ok()) return false;
  } else if (same_kind != nullptr && kind == MediaKind::kAudio) {
    same_kind->recorder->Flush();
    tracks_by_ssrc_.erase(same_kind->recorder->ssrc());
    replaced_ssrcs_.insert(same_kind->recorder->ssrc());
    segment_track_[static_cast<int>(kind)] = nullptr;
  }
  return true;
}

StreamRecorder::Track* StreamRecorder::AddTrack(uint32_t ssrc, const NewTrackFormat& format) {
  const MediaKind kind = format.kind;
  TrackRecorder::Config track_config;
  track_config.kind = kind;
  track_config.ssrc = ssrc;
  track_config.payload_type = format.payload_type;
  track_config.format = format.info;
  track_config.stream_payload_types = config_.stream.payload_types;
  track_config.video_orientation_extension_id =
      ExtensionId(config_.stream.header_extensions, kVideoOrientationExtension);
  track_config.wait_for_keyframe_after_loss = config_.wait_for_keyframe_after_loss;
  track_config.reorder = config_.reorder;
  track_config.sender_report_wait_us = config_.sender_report_wait_us;
  track_config.packet_buffers = &packet_buffers_;
  int layer = -1;
  if (kind == MediaKind::kVideo) {
    if (!video_layers_) {
      LayerSelector::Listener* listener = this;
      video_layers_ = std::make_unique<LayerSelector>(config_.stream.layer, listener);
    }
    layer = video_layers_->AddLayer("");
  }
  auto track = std::make_unique<TrackRecorder>(
      track_config,
      [this, layer](MediaKind frame_kind, codec::EncodedFrame frame) {
        if (layer >= 0) {
          video_layers_->Push(layer, std::move(frame));
        } else {
          interleaver_.Push(frame_kind, std::move(frame));
        }
      },
      on_keyframe_needed_, log_,
      absl::StrFormat("stream %s, %s ssrc %u", config_.stream.stream_id,
                      kind == MediaKind::kVideo ? "video" : "audio", ssrc));
  auto early = early_sender_reports_.find(ssrc);
  if (early != early_sender_reports_.end()) {
    PassSenderReport(early->second, track.get());
    early_sender_reports_.erase(early);
  }
  auto entry = std::make_unique<Track>();
  entry->recorder = std::move(track);
  entry->segment_index = segment_index_;
  entry->layer = layer;
  if (layer < 0) entry->rid_reads_left = 0;
  Track* raw = entry.get();
  all_tracks_.push_back(std::move(entry));
  tracks_by_ssrc_[ssrc] = raw;
  if (layer >= 0) layer_tracks_.push_back(raw);
  if (segment_track_[static_cast<int>(kind)] == nullptr) segment_track_[static_cast<int>(kind)] = raw;
  return raw;
}

bool StreamRecorder::SegmentSilentSince(int64_t before_us) const {
  for (const auto& [ssrc, track] : tracks_by_ssrc_) {
    if (track->last_arrival_us >= before_us) return false;
  }
  return true;
}

}  // namespace rtparchive::archive
