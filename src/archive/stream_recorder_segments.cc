// StreamRecorder, frames out: the chosen simulcast layer's frames, the
// interleaved audio and video written into the open segment file, segments
// closed and listed, and the stream's counters. Packets in:
// stream_recorder.cc.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "archive/stream_recorder.h"
#include "base/status_macros.h"

namespace rtparchive::archive {

void StreamRecorder::OnLayerFrame(int layer, codec::EncodedFrame frame) {
  ++layer_tracks_[layer]->frames_selected;
  interleaver_.Push(MediaKind::kVideo, std::move(frame));
}

void StreamRecorder::OnLayerFrameNotWritten(int layer) { ++layer_tracks_[layer]->frames_other_layer; }

void StreamRecorder::OnLayerSwitch(int from, int to, const codec::EncodedFrame& first,
                                   const char* reason) {
  Track* track = layer_tracks_[to];
  segment_track_[static_cast<int>(MediaKind::kVideo)] = track;
  LayerSwitch change;
  change.segment = segment_index_;
  change.time_ms = first.capture_time_us / 1000;  // made file time by result()
  change.from_ssrc = from >= 0 ? layer_tracks_[from]->recorder->ssrc() : 0;
  change.to_ssrc = track->recorder->ssrc();
  change.to_rid = track->rid;
  if (first.size) {
    change.width = first.size->width;
    change.height = first.size->height;
  }
  change.reason = reason;
  if (layer_switches_.size() < 4096) layer_switches_.push_back(std::move(change));
}

void StreamRecorder::OnLayerKeyframeWanted(int layer) {
  if (on_keyframe_needed_) on_keyframe_needed_(layer_tracks_[layer]->recorder->ssrc(), "layer_switch");
}

absl::Status StreamRecorder::OpenSegmentFile() {
  container::SegmentConfig segment;
  segment.doc_type = config_.video_codec == VideoCodec::kVp8 ? "webm" : "matroska";
  segment.video_codec_id = config_.video_codec == VideoCodec::kVp8 ? "V_VP8" : "V_MPEG4/ISO/AVC";
  segment.has_video = config_.stream.has_video;
  segment.has_audio = config_.stream.has_audio;
  segment.flush_each_cluster = config_.flush_each_cluster;
  const std::string extension = config_.video_codec == VideoCodec::kVp8 ? ".webm" : ".mkv";
  const std::string index = segment_index_ == 0 ? std::string() : absl::StrCat("-", segment_index_);
  segment_filename_ = absl::StrCat(config_.stream.stream_id, index, extension);
  segment_path_ = absl::StrCat(config_.working_folder, "/", segment_filename_);
  container::FileSinkOptions sink_options;
  sink_options.leading_room = config_.room_before_file ? config_.room_before_file(segment_filename_) : 0;
  sink_options.sum_crc32 = config_.sum_crc32;
  segment_leading_room_ = sink_options.leading_room;
  ASSIGN_OR_RETURN(auto sink, container::FileSink::Create(segment_path_, sink_options));
  ASSIGN_OR_RETURN(auto writer, container::SegmentWriter::Start(std::move(sink), segment));
  writer_ = std::move(writer);
  return absl::OkStatus();
}

void StreamRecorder::WriteFrame(MediaKind kind, codec::EncodedFrame frame) {
  if (!write_status_.ok()) return;
  if (!writer_) {
    write_status_ = OpenSegmentFile();
    if (!write_status_.ok()) return;
    base_capture_us_ = frame.capture_time_us;
    if (config_.on_segment_opened) {
      write_status_ = config_.on_segment_opened(OpenSegmentRecord());
      if (!write_status_.ok()) return;
    }
  }
  const int index = static_cast<int>(kind);
  const int64_t relative_us = frame.capture_time_us - base_capture_us_;
  const int64_t wanted_ms = relative_us >= 0 ? (relative_us + 500) / 1000 : -1;
  const int64_t timestamp_ms =
      std::max({wanted_ms, last_timestamp_ms_, last_track_timestamp_ms_[index] + 1, int64_t{0}});
  if (timestamp_ms != wanted_ms && segment_track_[index] != nullptr) {
    ++segment_track_[index]->timestamps_adjusted;
  }
  write_status_ = writer_->PutFrame(kind, std::move(frame), timestamp_ms);
  last_timestamp_ms_ = timestamp_ms;
  last_track_timestamp_ms_[index] = timestamp_ms;
}

void StreamRecorder::CloseSegment(SegmentEnd why) {
  for (const auto& [ssrc, track] : tracks_by_ssrc_) track->recorder->Flush();
  if (video_layers_) video_layers_->Flush();
  if (why == SegmentEnd::kReconnect && replaced_ssrcs_.size() < kMaxTracksPerStream) {
    for (const auto& [ssrc, track] : tracks_by_ssrc_) replaced_ssrcs_.insert(ssrc);
  }
  // A publisher that comes back may do so from another machine: its clock
  // is estimated afresh.
  if (why != SegmentEnd::kStop) sender_clock_ = timing::SenderClock();
  interleaver_.Flush();
  tracks_by_ssrc_.clear();
  segment_track_[0] = segment_track_[1] = nullptr;
  video_layers_.reset();
  layer_tracks_.clear();
  if (!write_status_.ok() || !writer_) return;  // no media: the index is reused
  auto stats = writer_->Finish();
  writer_.reset();
  if (!stats.ok()) {
    write_status_ = stats.status();
    return;
  }
  SegmentRecord record = OpenSegmentRecord();
  record.file.size = stats->bytes;
  record.file.duration_ms = stats->duration_ms;
  record.last_capture_ms = record.first_capture_ms + stats->last_timestamp_ms;
  record.crc32 = stats->crc32;
  finished_segments_.push_back(std::move(record));
  ++segment_index_;
  last_timestamp_ms_ = -1;
  last_track_timestamp_ms_[0] = last_track_timestamp_ms_[1] = -1;
}

SegmentRecord StreamRecorder::OpenSegmentRecord() const {
  SegmentRecord record;
  record.file.stream_id = config_.stream.stream_id;
  record.file.segment = segment_index_;
  record.file.filename = segment_filename_;
  record.file.connection_data = config_.stream.connection_data;
  record.file.video_type = ToString(config_.stream.video_type);
  record.path = segment_path_;
  record.data_offset = segment_leading_room_;
  record.first_capture_ms = base_capture_us_ / 1000;
  return record;
}

absl::StatusOr<std::vector<SegmentRecord>> StreamRecorder::Finish() {
  CloseSegment(SegmentEnd::kStop);
  if (!write_status_.ok()) return write_status_;
  return finished_segments_;
}

StreamResult StreamRecorder::result() const {
  StreamResult result;
  result.stream_id = config_.stream.stream_id;
  std::map<int, int> layers_by_segment;
  for (const auto& track : all_tracks_) {
    if (track->layer >= 0) ++layers_by_segment[track->segment_index];
  }
  for (const auto& track : all_tracks_) {
    TrackCounters counters = track->recorder->counters();
    counters.timestamps_adjusted = track->timestamps_adjusted;
    counters.segment = track->segment_index;
    if (track->layer >= 0 && layers_by_segment[track->segment_index] > 1) {
      counters.layer = true;
      counters.rid = track->rid;
      counters.frames_written = track->frames_selected;
      counters.frames_other_layer = track->frames_other_layer;
    }
    result.tracks.push_back(std::move(counters));
  }
  // Switch times as file times: from the capture time of the segment's first frame.
  for (LayerSwitch change : layer_switches_) {
    if (layers_by_segment[change.segment] < 2) continue;
    std::optional<int64_t> first_ms;
    for (const SegmentRecord& record : finished_segments_) {
      if (record.file.segment == change.segment) first_ms = record.first_capture_ms;
    }
    if (!first_ms && change.segment == segment_index_ && writer_) first_ms = base_capture_us_ / 1000;
    change.time_ms = first_ms ? std::max<int64_t>(0, change.time_ms - *first_ms) : 0;
    result.layer_switches.push_back(std::move(change));
  }
  result.packets_unknown_payload_type = unknown_payload_type_;
  result.rtcp_packets = rtcp_packets_;
  result.rtx_padding_packets = rtx_padding_packets_;
  result.packets_dropped = packet_drops_.counts();
  return result;
}

}  // namespace rtparchive::archive
