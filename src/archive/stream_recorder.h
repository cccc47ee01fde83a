// Records one published stream: demultiplexes its RTP and RTCP packets by
// SSRC into track recorders, interleaves their frames by capture time and
// writes them to the stream's current segment file, opened at the segment's
// first frame (a segment without media gets no file).
//
// A new segment starts when the publisher reconnects: a new SSRC arrives
// while every SSRC of the segment has been silent for `kReplacedAfterUs`
// (the publisher's SSRCs were replaced), or packets resume after none came
// for `gone_after_us`. The first segment's file is `<streamId>.<ext>`, the
// next ones `<streamId>-1.<ext>`, `-2`, ...
//
// Within a segment, a new video SSRC is a simulcast layer of the video
// track (LayerSelector picks what is written), and a new audio SSRC takes
// over the audio track: one kind's SSRCs never end the other kind's track.
//
// Time policy: a frame's file timestamp is its capture time minus the
// capture time of the segment's first frame, in ms. It is raised where
// needed so timestamps never go back and rise within a track; each raise is
// counted as an adjusted timestamp.
//
// Not thread-safe: the archive calls it under its lock.
#ifndef RTPARCHIVE_ARCHIVE_STREAM_RECORDER_H_
#define RTPARCHIVE_ARCHIVE_STREAM_RECORDER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "archive/interleaver.h"
#include "archive/layer_selector.h"
#include "archive/segment_record.h"
#include "archive/track_recorder.h"
#include "base/buffer_pool.h"
#include "base/drop_log.h"
#include "container/segment_writer.h"
#include "rtparchive/archive.h"
#include "timing/sender_clock.h"

namespace rtparchive::archive {

class StreamRecorder : private LayerSelector::Listener {
 public:
  struct Config {
    StreamOptions stream;
    VideoCodec video_codec = VideoCodec::kVp8;
    std::string working_folder;
    bool wait_for_keyframe_after_loss = true;
    reorder::ReorderOptions reorder;
    int64_t interleave_window_us = 4'000'000;
    int64_t sender_report_wait_us = 3'000'000;
    int64_t gone_after_us = 10'000'000;
    bool flush_each_cluster = true;
    int first_segment_index = 0;  // > 0 when the stream was removed and added again
    // Bytes to leave free in front of a segment file's bytes, by its file
    // name (an archive writes the file's ZIP entry header there), and
    // whether to sum each file's CRC-32 as it is written.
    std::function<uint64_t(const std::string& filename)> room_before_file;
    bool sum_crc32 = false;
    // Called when a segment's file is opened, before its first frame is
    // written (all but its size, duration and last capture time set); a failure
    // fails the stream like a write failure.
    std::function<absl::Status(const SegmentRecord& opened)> on_segment_opened;
  };

  StreamRecorder(Config config, TrackRecorder::KeyframeOutput on_keyframe_needed, LogFunction log);
  StreamRecorder(const StreamRecorder&) = delete;
  StreamRecorder& operator=(const StreamRecorder&) = delete;

  // Fails only when writing fails.
  absl::Status PushPacket(absl::Span<const uint8_t> packet, int64_t arrival_time_us);
  // Flushes every track and finishes the open segment. Returns every segment
  // file of the stream, in order (none when no media came).
  absl::StatusOr<std::vector<SegmentRecord>> Finish();

  StreamResult result() const;
  // Arrival time of the latest RTP packet with media, if any came.
  std::optional<int64_t> last_media_arrival_us() const { return last_media_arrival_us_; }
  const std::string& stream_id() const { return config_.stream.stream_id; }

 private:
  // A stream is one publisher: a handful of SSRCs (audio, video, a reconnect
  // or two). More than this is a flood, and each track holds buffers.
  static constexpr size_t kMaxTracksPerStream = 16;

  void OnRtcp(absl::Span<const uint8_t> packet, int64_t arrival_time_us);
  void OnRtp(absl::Span<const uint8_t> packet, int64_t arrival_time_us);
  // Restores a retransmission and gives it to the track it repairs.
  void OnRtx(const rtp::RtpPacketView& rtx, int associated_payload_type, int64_t arrival_time_us);
  // The track for a new SSRC's first packet (nullptr: dropped, counted).
  struct Track;
  Track* TrackFor(const rtp::RtpPacketView& view, int64_t arrival_time_us);
  // What a new SSRC's first media packet says of its track.
  struct NewTrackFormat {
    int payload_type = -1;  // of the media (inside RED when it is wrapped)
    PayloadTypeInfo info;
    MediaKind kind = MediaKind::kVideo;
  };
  // The format of a new SSRC's track, or nothing (the drop counted) when
  // the stream cannot record it: unknown or wrapper-only payload type, too
  // many SSRCs, the other video codec, a kind the stream was added without.
  std::optional<NewTrackFormat> RecordableFormat(const rtp::RtpPacketView& view);
  // Before a second SSRC of `kind` joins the segment: a reconnect (all the
  // publisher sent has stopped) ends the segment; a new audio source ends
  // the old one's track. False when finishing the segment failed.
  bool MakeRoomForTrack(const rtp::RtpPacketView& view, MediaKind kind, int64_t arrival_time_us);
  Track* AddTrack(uint32_t ssrc, const NewTrackFormat& format);
  // Whether every SSRC of the open segment was silent since `before_us`.
  bool SegmentSilentSince(int64_t before_us) const;
  // The track an RTX packet repairs, of `kind` (nullptr: none known).
  Track* RepairedTrack(const rtp::RtpPacketView& rtx, MediaKind kind);
  // Reads the RID of a layer's packet while its track has none yet.
  void ReadRid(Track* track, const rtp::RtpPacketView& view);
  // Lets the layer selector decide what it can at `now_us`.
  void AdvanceLayers(int64_t now_us);
  // LayerSelector::Listener
  void OnLayerFrame(int layer, codec::EncodedFrame frame) override;
  void OnLayerFrameNotWritten(int layer) override;
  void OnLayerSwitch(int from, int to, const codec::EncodedFrame& first, const char* reason) override;
  void OnLayerKeyframeWanted(int layer) override;
  void WriteFrame(MediaKind kind, codec::EncodedFrame frame);
  absl::Status OpenSegmentFile();
  // The open segment's record, without what only its end tells.
  SegmentRecord OpenSegmentRecord() const;
  // Flushes the segment's tracks, finishes its file and starts the next
  // segment; its tracks stop taking packets. Sets write_status_ on failure.
  enum class SegmentEnd { kReconnect, kGone, kStop };
  void CloseSegment(SegmentEnd why);

  // A track and the segment it belongs to.
  struct Track {
    std::unique_ptr<TrackRecorder> recorder;
    int segment_index = 0;
    int64_t timestamps_adjusted = 0;
    int64_t last_arrival_us = 0;  // of its latest packet
    // Video: its index in the segment's layer selector, and what that did.
    int layer = -1;
    std::string rid;
    // Packets still to look at for a RID: senders name the layer in the
    // first packets (until a receiver report shows it arrived), not after.
    int rid_reads_left = 64;
    int64_t frames_selected = 0;
    int64_t frames_other_layer = 0;
  };

  Config config_;
  TrackRecorder::KeyframeOutput on_keyframe_needed_;
  LogFunction log_;
  DropLog packet_drops_;
  BufferPool packet_buffers_;  // before the tracks, which give buffers back to it
  std::map<uint32_t, Track*> tracks_by_ssrc_;       // the open segment's tracks
  std::vector<std::unique_ptr<Track>> all_tracks_;  // every segment's, for results
  // A sender report as it came, for an SSRC whose track does not exist yet.
  struct EarlyReport {
    int64_t sender_time_us;  // its NTP time, on the publisher's clock
    uint32_t rtp_timestamp;
    int64_t arrival_time_us;
  };
  // Maps the report's time to ours (the report counts for the estimate) and
  // gives it to the track.
  void PassSenderReport(const EarlyReport& report, TrackRecorder* track);
  std::map<uint32_t, EarlyReport> early_sender_reports_;  // before the track
  Interleaver interleaver_;
  timing::SenderClock sender_clock_;  // the publisher's clock, to ours
  std::vector<SegmentRecord> finished_segments_;
  std::set<uint32_t> replaced_ssrcs_;  // SSRCs a reconnect (or a new audio SSRC) replaced
  std::map<uint32_t, uint32_t> rtx_learned_;  // RTX SSRC -> media SSRC, from repaired RIDs
  int rid_extension_id_ = 0;                 // 0: not mapped
  int repaired_rid_extension_id_ = 0;
  std::vector<LayerSwitch> layer_switches_;  // time_ms: capture time until the result
  absl::Status write_status_;
  std::optional<int64_t> last_packet_arrival_us_;
  std::optional<int64_t> last_media_arrival_us_;

  // The open segment.
  int segment_index_;
  Track* segment_track_[2] = {nullptr, nullptr};  // by MediaKind; video: the layer written
  std::unique_ptr<LayerSelector> video_layers_;
  std::vector<Track*> layer_tracks_;  // by layer index
  std::unique_ptr<container::SegmentWriter> writer_;
  std::string segment_filename_;  // its ZIP entry name
  uint64_t segment_leading_room_ = 0;
  std::string segment_path_;      // in the working folder
  int64_t base_capture_us_ = 0;                    // capture time at file timestamp 0
  int64_t last_timestamp_ms_ = -1;                 // any track
  int64_t last_track_timestamp_ms_[2] = {-1, -1};  // by MediaKind

  int64_t rtcp_packets_ = 0;
  int64_t unknown_payload_type_ = 0;
  int64_t rtx_padding_packets_ = 0;
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_STREAM_RECORDER_H_
