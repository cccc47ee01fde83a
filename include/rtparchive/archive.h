// librtparchive: records the RTP media of a video session as an individual
// stream archive — one WebM (VP8) or Matroska (H.264) file per stream
// segment, written without re-encoding, plus a JSON manifest, in one ZIP.
//
// A recording node starts an Archive, adds the publishers' streams, pushes
// each stream's RTP and RTCP packets as they arrive, and stops it to get the
// ZIP. Every method is thread-safe; callbacks run on the calling thread after
// the archive's lock is released, so they may call back into the archive.
#ifndef RTPARCHIVE_ARCHIVE_H_
#define RTPARCHIVE_ARCHIVE_H_

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
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "rtparchive/media.h"

namespace rtparchive {

// The hosted platforms' archive rules, kept as configurable defaults.
struct ArchiveLimits {
  int max_streams = 50;                              // recorded at once
  int64_t max_recorded_us = 4LL * 3600 * 1'000'000;  // cumulative time with a stream publishing
  int64_t max_total_us = 12LL * 3600 * 1'000'000;    // since the archive's first packet
  int64_t max_paused_us = 1LL * 3600 * 1'000'000;    // with no stream publishing
};

// started -> paused -> started ... -> stopped -> available, or failed. A
// recording node that uploads archives adds uploaded (in the customer's
// storage) after stopped; the library itself never reports it.
enum class ArchiveStatus { kStarted, kPaused, kStopped, kAvailable, kFailed, kUploaded };
const char* ToString(ArchiveStatus status);

struct StatusChange {
  ArchiveStatus status = ArchiveStatus::kStarted;
  std::string reason;   // why it paused, stopped or failed
  int64_t time_us = 0;  // on the archive's clock (packet arrival times)
};

struct ArchiveOptions {
  std::string id;    // archive ID (a UUID); required
  std::string name;  // may be empty
  std::string session_id;
  int64_t partner_id = 0;
  std::string output_path;  // the ZIP to write; its folder must exist
  VideoCodec video_codec = VideoCodec::kVp8;
  // When the archive was started, in µs on the packets' clock: the
  // manifest's createdAt when no packet ever came (0: unknown).
  int64_t started_at_us = 0;

  // Video waits for the next keyframe after a loss, because frames that
  // reference a lost one decode as garbage. Turning this off writes every
  // complete frame, damaged references and all.
  bool wait_for_keyframe_after_loss = true;
  // Per-SSRC reorder buffer bounds.
  int reorder_capacity_packets = 512;
  int64_t reorder_max_wait_us = 200'000;
  // How long a track's first frames wait for an RTCP sender report to map
  // their RTP time to the sender's clock, before arrival time is used.
  int64_t sender_report_wait_us = 3'000'000;
  // How long one track may run ahead of the other of its stream before its
  // frames are written anyway (bounds memory when one track stalls). Must
  // exceed sender_report_wait_us, or a track waiting for its report falls
  // behind the other.
  int64_t interleave_window_us = 4'000'000;
  // A stream that sent no RTP or RTCP for this long is gone; when its
  // packets resume they start a new segment (a new file).
  int64_t stream_gone_after_us = 10'000'000;
  // Segment files are handed to the kernel after every cluster (at most a
  // second of media), so a crash loses little. Off, they are handed over a
  // 1 MiB buffer at a time: far fewer wake-ups of the file's writer thread,
  // for a recording that can be run again (`rtparchive replay`).
  bool flush_each_cluster = true;

  ArchiveLimits limits;
  // Which media the archive records at all (each stream also says its own).
  bool has_audio = true;
  bool has_video = true;

  // Stop() writes the ZIP to output_path, copying every segment file but
  // the largest into it: its time grows with the archive (about a second
  // per GB). A caller that serves or uploads the ZIP as a stream (a
  // recording node) sets this false: Stop() then leaves the segment files
  // in the working folder (`<output_path>.parts/`) and returns the ZIP as
  // ArchiveResult::zip_pieces, and finalising takes the same time whatever
  // the archive's size. The caller removes the folder when done with it.
  bool write_zip = true;
  // Log lines (first drop of each kind, warnings). May be empty.
  std::function<void(absl::string_view line)> on_log;
};

struct StreamOptions {
  std::string stream_id;  // becomes the file name: letters, digits, '-', '_', '.'
  std::string connection_data;
  VideoType video_type = VideoType::kCamera;
  bool has_audio = true;
  bool has_video = true;
  // RTP payload type -> format, for this stream's packets, including RED,
  // RTX and ULPFEC types.
  std::map<int, PayloadTypeInfo> payload_types;
  // RTX SSRC -> the media SSRC it repairs (SDP a=ssrc-group:FID). An RTX
  // SSRC not listed repairs the stream's current track of its kind.
  std::map<uint32_t, uint32_t> rtx_ssrcs;
  // Header extension ID -> URI (SDP a=extmap); video orientation is read
  // when it is mapped.
  std::map<int, std::string> header_extensions;
  // Simulcast: SSRCs the SDP names as layers of one video track
  // (a=ssrc-group:SIM). Layers are found by their RID too (a=rid with the
  // rtp-stream-id extension), and without an SDP by running at the same
  // time as the stream's other video SSRCs.
  std::set<uint32_t> simulcast_ssrcs;
  // Which layer is written: "high" (the most pixels being sent), "low" (the
  // fewest), or a RID (that layer while it is sent, else "high").
  std::string layer = "high";
};

// "high", "low", or a RID as RFC 8851 writes one (letters, digits, '-', '_').
bool IsValidLayerChoice(absl::string_view layer);

// Fills `stream`'s payload types (RED, RTX with apt, ULPFEC included), RTX
// SSRC pairs (a=ssrc-group:FID), header extension IDs (a=extmap) and
// has_audio / has_video (which media sections it has) from the publisher's
// SDP, as a browser or media server writes it. InvalidArgument when `sdp` is
// no session description.
absl::Status DescribeStreamFromSdp(absl::string_view sdp, StreamOptions* stream);

// A video track needs a keyframe: at its start, or after a loss. A live node
// answers with an RTCP PLI or FIR to the sender of `ssrc`.
struct KeyframeRequest {
  std::string stream_id;
  uint32_t ssrc = 0;
  std::string reason;  // "start" or "loss"
};

struct TrackCounters {
  MediaKind kind = MediaKind::kVideo;
  int segment = 0;  // which of the stream's segments it belongs to (0: the first)
  uint32_t ssrc = 0;
  int payload_type = -1;
  int64_t packets = 0;       // RTP packets received for this track on its SSRC
  int64_t packets_lost = 0;  // sequence numbers never received (nor retransmitted)
  int64_t packets_duplicate = 0;
  int64_t packets_late = 0;  // arrived after their place was given up
  // RTX: retransmissions received, and those whose original had arrived
  // already (or whose place was given up), which changed nothing.
  int64_t packets_retransmitted = 0;
  int64_t retransmissions_unneeded = 0;
  int64_t fec_packets = 0;  // ULPFEC packets: skipped, not used for recovery
  // Audio frames rebuilt from RED redundancy after their packet was lost.
  int64_t frames_recovered = 0;
  int64_t frames_written = 0;
  int64_t timestamps_adjusted = 0;  // nudged to keep the track's times increasing
  int64_t timestamp_jumps = 0;      // RTP time jumps that elapsed time did not explain
  std::map<std::string, int64_t> frames_dropped;   // by reason
  std::map<std::string, int64_t> packets_dropped;  // by reason (bad payloads)
  std::string clock;                               // "sender_report" or "arrival"
  int width = 0, height = 0;                       // video: from the first keyframe
  int resolution_changes = 0;  // keyframes whose size differs from the previous one
  // The sizes in the order the keyframes changed to them, first size first
  // (at most 64 entries).
  std::vector<std::pair<int, int>> resolutions;
  // Video orientation (urn:3gpp:video-orientation): the clockwise rotation
  // the sender asked for at the track's first frame (-1: never signalled),
  // and how often it changed after that.
  int rotation_degrees = -1;
  int rotation_changes = 0;
  // H.264: SPS/PPS a payloader repeated inside one access unit (not written).
  int64_t repeated_parameter_sets_removed = 0;
  // Simulcast: this SSRC is one of several layers of its segment's video
  // track; `rid` when the layer was named (RFC 8852). Of its complete
  // frames, frames_written went into the file and frames_other_layer did
  // not (another layer's frame of the same picture was written, or the
  // selector waited for a keyframe to switch at).
  bool layer = false;
  std::string rid;
  int64_t frames_other_layer = 0;
};

// The written layer of a simulcast video track changed (or was first chosen).
struct LayerSwitch {
  int segment = 0;
  int64_t time_ms = 0;     // file time of the first frame from the new layer
  uint32_t from_ssrc = 0;  // 0 at the start
  uint32_t to_ssrc = 0;
  std::string to_rid;
  int width = 0, height = 0;  // the new layer's picture size
  std::string reason;         // "start", "preferred_layer", "layer_stopped"
};

struct FileResult {
  std::string stream_id;
  int segment = 0;       // 0 for <streamId>.<ext>, n for <streamId>-n.<ext>
  std::string filename;  // ZIP entry name
  uint64_t size = 0;
  int64_t start_time_offset_ms = 0;
  int64_t stop_time_offset_ms = 0;
  double duration_ms = 0;
  std::string connection_data;  // the stream's, as the manifest gives it
  std::string video_type;       // "camera", "screen" or "custom"
};

struct StreamResult {
  std::string stream_id;
  std::vector<TrackCounters> tracks;
  int64_t packets_unknown_payload_type = 0;
  int64_t rtcp_packets = 0;
  int64_t rtx_padding_packets = 0;  // RTX packets with no payload (bandwidth probes)
  std::map<std::string, int64_t> packets_dropped;  // unparsable RTP/RTCP, by reason
  // Simulcast segments only (those with more than one video layer).
  std::vector<LayerSwitch> layer_switches;
};

struct NotRecorded {
  std::string stream_id;
  std::string reason;
};

// A piece of an archive's ZIP not written as one file (write_zip false):
// bytes held here (`path` empty), or `size` bytes of the segment file at
// `path` from `offset`. The pieces in order are the ZIP, byte for byte.
struct ZipPiece {
  std::string bytes;
  std::string path;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct ArchiveResult {
  std::string zip_path;              // empty when the ZIP is zip_pieces
  std::vector<ZipPiece> zip_pieces;  // write_zip false: the ZIP, in order
  std::string stop_reason;  // "stopped by the caller", or the rule that stopped it
  std::string manifest_json;
  int64_t created_at_ms = 0;
  uint64_t zip_size = 0;
  std::vector<FileResult> files;
  std::vector<StreamResult> streams;
  std::vector<NotRecorded> not_recorded;  // streams refused, with why
  std::vector<std::string> warnings;       // RecoverArchive: what it could not use
};

struct ArchiveCallbacks {
  std::function<void(const KeyframeRequest&)> on_keyframe_needed;
  std::function<void(const StatusChange&)> on_status;
};

class Archive {
 public:
  // Checks the options and prepares a working folder next to the output
  // (`<output>.parts/`). Fails with InvalidArgument naming the bad option.
  static absl::StatusOr<std::unique_ptr<Archive>> Start(ArchiveOptions options,
                                                        ArchiveCallbacks callbacks = {});
  // Destroying an archive that was not stopped leaves its working folder
  // (the segment files written so far) in place.
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // AlreadyExists for a stream being recorded; InvalidArgument for an ID
  // that cannot be a file name or a payload type outside 0-127;
  // ResourceExhausted when limits.max_streams are being recorded (the
  // result lists it as not recorded). A stream that was removed may be added
  // again: it continues in a new segment.
  absl::Status AddStream(const StreamOptions& stream);
  // One RTP or RTCP packet (RFC 5761 demux) of `stream_id`, with its arrival
  // time in µs since the Unix epoch. Bad packets are counted, not errors:
  // this fails only for an unknown stream or a stopped archive, or when
  // writing failed (the archive is then failed too).
  absl::Status PushPacket(absl::string_view stream_id, absl::Span<const uint8_t> packet,
                          int64_t arrival_time_us);
  // Ends the stream's recording; its file is complete. Adding the stream
  // again later records it into its next segment file.
  absl::Status RemoveStream(absl::string_view stream_id);
  // Applies the time rules (pause, stop after max_paused_us, max_recorded_us,
  // max_total_us) at `now_us` on the packets' clock. PushPacket does this
  // with each packet; a live node also calls it from a timer, since a paused
  // archive receives no packets. Returns FailedPrecondition once stopped.
  absl::Status AdvanceTime(int64_t now_us);
  // Finishes every stream, writes the manifest and the ZIP (to a temporary
  // name, renamed when complete), and removes the working folder. After a
  // rule stopped the archive, returns that archive's result.
  absl::StatusOr<ArchiveResult> Stop();

 private:
  class Impl;
  explicit Archive(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Finalises the archive a recorder that died (crash, SIGKILL, power cut)
// left in its working folder (`<output>.parts/`): each segment file is read
// back with libwebm's parser up to where it was cut, written again complete
// (Tracks, Cues, duration) into `<working folder>/recovered/`, and zipped
// with a manifest built from the folder's journal into `output_path`. What
// was lost: frames not yet flushed (segment files are flushed at least every
// second of media) and what the recorder still held (up to the sender-report
// wait and the interleave window). The working folder is left in place.
// NotFound when the folder holds no journal; FailedPrecondition when no
// segment file holds a frame.
absl::StatusOr<ArchiveResult> RecoverArchive(const std::string& working_folder,
                                             const std::string& output_path);

// Whether `id` can name a stream or archive: it becomes a file name, so
// 1-200 of letters, digits, '-', '_' and '.', not starting with '.'.
bool IsValidId(absl::string_view id);


}  // namespace rtparchive

#endif  // RTPARCHIVE_ARCHIVE_H_
