// One media track of one stream, from one SSRC: RTP packets in, complete
// frames with capture times out. Owns the track's reorder buffer,
// depacketizer, frame assembler and capture clock, and counts everything it
// drops. Video waits for a keyframe at its start and (by default) after any
// loss, and asks for one through `on_keyframe_needed`.
//
// Not thread-safe: its stream recorder calls it under the archive's lock.
#ifndef RTPARCHIVE_ARCHIVE_TRACK_RECORDER_H_
#define RTPARCHIVE_ARCHIVE_TRACK_RECORDER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/buffer_pool.h"
#include "base/drop_log.h"
#include "codec/depacketizer.h"
#include "codec/frame_assembler.h"
#include "codec/h264_parameter_sets.h"
#include "reorder/reorder_buffer.h"
#include "rtp/red_payload.h"
#include "rtp/rtp_packet.h"
#include "rtparchive/archive.h"
#include "timing/capture_clock.h"

namespace rtparchive::archive {

class TrackRecorder : private codec::FrameAssembler::Listener {
 public:
  using FrameOutput = std::function<void(MediaKind kind, codec::EncodedFrame frame)>;
  using KeyframeOutput = std::function<void(uint32_t ssrc, const char* reason)>;

  struct Config {
    MediaKind kind = MediaKind::kVideo;
    uint32_t ssrc = 0;
    int payload_type = 0;  // the media's own (inside RED when the stream uses it)
    PayloadTypeInfo format;
    // The stream's payload types: which ones are RED and ULPFEC.
    std::map<int, PayloadTypeInfo> stream_payload_types;
    int video_orientation_extension_id = 0;  // 0: not mapped
    bool wait_for_keyframe_after_loss = true;
    reorder::ReorderOptions reorder;
    int64_t sender_report_wait_us = 3'000'000;
    BufferPool* packet_buffers = nullptr;  // buffers for the packets the reorder buffer keeps
  };

  TrackRecorder(Config config, FrameOutput on_frame, KeyframeOutput on_keyframe_needed,
                LogFunction log, const std::string& log_context);
  TrackRecorder(const TrackRecorder&) = delete;
  TrackRecorder& operator=(const TrackRecorder&) = delete;

  // `view`'s bytes are the caller's, valid during the call: a packet that
  // is released at once (in order) is read from them and never copied; one
  // the reorder buffer keeps gets a copy. A retransmission is a packet
  // restored from RTX.
  void OnRtp(const rtp::RtpPacketView& view, int64_t arrival_time_us, bool retransmission = false);
  void OnSenderReport(int64_t ntp_time_us, uint32_t rtp_timestamp);
  // End of the track: releases everything held; a partial frame is dropped.
  void Flush();

  TrackCounters counters() const;
  // May still pass on a frame older than the last one it passed on: it
  // waits for a missing packet, or holds frames until a sender report.
  bool holding() const { return reorder_.held() > 0 || !held_frames_.empty(); }
  MediaKind kind() const { return config_.kind; }
  uint32_t ssrc() const { return config_.ssrc; }

 private:
  struct HeldPacket {
    std::vector<uint8_t> storage;  // empty while the view is into the caller's bytes
    rtp::RtpPacketView view;       // points into storage (when set); valid across moves
    int64_t arrival_time_us;
  };
  using Buffer = reorder::ReorderBuffer<HeldPacket>;

  void OnReleased(Buffer::Released released);
  // Packet losses just before a released packet.
  void OnLoss(int64_t lost_packets, bool restart);
  // Audio RED: passes on the redundant copies of lost packets' frames that
  // `blocks` hold (those after the last frame passed on); returns how many.
  int64_t RecoverFromRedundancy(const rtp::RedBlocks& blocks, uint32_t timestamp);
  // Parses one media payload and gives it to the assembler.
  void Assemble(absl::Span<const uint8_t> payload, const HeldPacket& packet, uint32_t timestamp);
  // Video orientation: keeps the latest the sender signalled.
  void ReadOrientation(const rtp::RtpPacketView& view);
  // Video only: frames after a loss reference what was lost, so skip them
  // until a keyframe and ask the sender for one (once per loss).
  void OnVideoLoss();
  // Maps and passes on held frames once the clock can be anchored: a sender
  // report came, the wait ran out at `now_us`, or `force`.
  void ReleaseHeldFrames(int64_t now_us, bool force);
  void Emit(codec::EncodedFrame frame, int64_t arrival_time_us);
  // Fills in a video keyframe's size (and, for H.264, its avcC); false when
  // the frame cannot be decoded (an H.264 keyframe with no SPS/PPS yet, a
  // VP8 keyframe whose header gives no size).
  bool DescribeKeyframe(codec::EncodedFrame& frame);
  // codec::FrameAssembler::Listener
  void OnFrame(codec::EncodedFrame frame) override;
  void OnFrameDropped(codec::FrameDrop reason, int64_t count) override;

  Config config_;
  FrameOutput on_frame_;
  KeyframeOutput on_keyframe_needed_;
  std::unique_ptr<codec::Depacketizer> depacketizer_;
  Buffer reorder_;
  codec::FrameAssembler assembler_;
  timing::CaptureClock clock_;
  DropLog payload_drops_;
  DropLog frame_drops_;
  int64_t waiting_drops_ = 0;         // frames skipped until a keyframe
  uint32_t last_rtp_timestamp_ = 0;  // of the last payload assembled, for logs
  int64_t frames_written_ = 0;
  int64_t current_arrival_us_ = 0;  // arrival of the packet being assembled
  bool waiting_for_keyframe_;
  bool started_ = false;
  std::optional<codec::VideoSize> last_size_;
  int resolution_changes_ = 0;
  std::vector<std::pair<int, int>> resolutions_;
  int64_t parameter_sets_removed_ = 0;
  int64_t retransmissions_ = 0;
  int64_t retransmitted_duplicates_ = 0;  // RTX whose original was there
  int64_t retransmitted_late_ = 0;        // RTX for a place given up (or too old)
  int64_t fec_packets_ = 0;
  int64_t frames_recovered_ = 0;
  std::optional<uint32_t> last_audio_timestamp_;  // of the last frame assembled
  std::optional<int> rotation_;        // latest signalled
  std::optional<int> first_rotation_;  // at the first frame written with one
  std::optional<int> last_rotation_;   // of the last frame written
  int rotation_changes_ = 0;
  std::optional<codec::H264ParameterSets> h264_;  // H.264 tracks only
  // Frames waiting for the clock's anchor, with their arrival times.
  std::deque<std::pair<codec::EncodedFrame, int64_t>> held_frames_;
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_TRACK_RECORDER_H_
