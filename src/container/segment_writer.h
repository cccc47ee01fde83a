// Writes one stream segment as a WebM or Matroska file through libmatroska:
// a video track and/or an audio track, frames as SimpleBlocks exactly as
// given, clusters that start at video keyframes (and at least every second),
// Cues for each keyframe cluster (and for audio clusters before any video),
// real picture size, the sender's rotation, and the duration.
//
// Layout: EBML header, Segment { SeekHead, Info, Tracks, Cluster..., Cues }.
// SeekHead and Tracks are written into space reserved at the start when the
// segment is finished, since the picture size and which tracks carried media
// are known only then. Until then the file is kept readable for a recovery:
// the Segment's size is unknown, a provisional Tracks holds every configured
// track, and each cluster is flushed to the sink when it is cut (unless the
// config says otherwise).
// Timestamps are in ms (TimestampScale 1,000,000).
//
// Not thread-safe. The output is deterministic: no dates, no random UIDs.
#ifndef RTPARCHIVE_CONTAINER_SEGMENT_WRITER_H_
#define RTPARCHIVE_CONTAINER_SEGMENT_WRITER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "codec/encoded_frame.h"
#include "container/byte_sink.h"
#include "rtparchive/media.h"

namespace rtparchive::container {

struct SegmentConfig {
  std::string doc_type = "webm";  // "webm" or "matroska"
  bool has_video = true;
  std::string video_codec_id = "V_VP8";  // or "V_MPEG4/ISO/AVC"
  // When empty, the first video keyframe's codec_config (H.264: avcC).
  std::vector<uint8_t> video_codec_private;
  bool has_audio = true;
  std::string audio_codec_id = "A_OPUS";
  int audio_channels = 2;
  int audio_sample_rate = 48000;
  std::string writing_app = "rtparchive";
  // Flush the sink after each cluster; otherwise clusters wait in the
  // sink's buffer until it is full.
  bool flush_each_cluster = true;
};

struct SegmentStats {
  int64_t frames[2] = {0, 0};       // by MediaKind
  int64_t first_timestamp_ms = -1;  // of any frame
  int64_t last_timestamp_ms = -1;
  double duration_ms = 0;
  uint64_t bytes = 0;
  std::optional<codec::VideoSize> video_size;
  std::optional<int> video_rotation_degrees;  // clockwise, at the first keyframe
  int64_t clusters = 0;
  int64_t cues = 0;
  std::optional<uint32_t> crc32;  // of the finished file, when its sink summed it
};

class SegmentWriter {
 public:
  // Writes the file head. Fails when the sink does.
  static absl::StatusOr<std::unique_ptr<SegmentWriter>> Start(std::unique_ptr<ByteSink> sink,
                                                              SegmentConfig config);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Precondition (the caller's time policy guarantees it): `timestamp_ms` is
  // >= 0, not below any earlier frame's, and above the previous frame's of
  // the same track. A violation returns FailedPrecondition, never aborts.
  absl::Status PutFrame(MediaKind track, codec::EncodedFrame frame, int64_t timestamp_ms);

  // Writes the last cluster, Cues, Tracks, SeekHead and duration, and closes
  // the sink. No PutFrame after it.
  absl::StatusOr<SegmentStats> Finish();

 private:
  struct State;
  explicit SegmentWriter(std::unique_ptr<State> state);
  absl::Status Guard(const char* what, const std::function<void()>& step);

  std::unique_ptr<State> state_;
  SegmentStats stats_;
};

// The OpusHead structure (RFC 7845 §5.1) that Matroska's A_OPUS CodecPrivate
// holds: 2 channels, 312 samples of pre-skip, 48 kHz, mapping family 0.
std::vector<uint8_t> OpusHead(int channels);

}  // namespace rtparchive::container

#endif  // RTPARCHIVE_CONTAINER_SEGMENT_WRITER_H_
