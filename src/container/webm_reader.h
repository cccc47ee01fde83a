// Reads a WebM/Matroska file back with libwebm's parser, an implementation
// that shares no code with our libmatroska writer. Used by tests and by
// tools that check archives; not on the recording path.
#ifndef RTPARCHIVE_CONTAINER_WEBM_READER_H_
#define RTPARCHIVE_CONTAINER_WEBM_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace rtparchive::container {

struct ParsedTrack {
  uint64_t number = 0;
  int type = 0;  // 1 video, 2 audio (Matroska TrackType)
  std::string codec_id;
  uint64_t pixel_width = 0;
  uint64_t pixel_height = 0;
  uint64_t channels = 0;
  std::vector<uint8_t> codec_private;
  // Video: the clockwise rotation the file asks players for (its Projection's
  // pose roll turns counter-clockwise); nullopt without a Projection.
  std::optional<int> rotation_degrees;
};

struct ParsedFrame {
  uint64_t track = 0;
  int64_t timestamp_ms = 0;  // cluster time + block time, in TimestampScale units
  bool keyframe = false;
  std::vector<uint8_t> data;
};

struct ParsedFile {
  std::string doc_type;
  uint64_t timestamp_scale_ns = 0;
  double duration = 0;  // in TimestampScale units, 0 when absent
  std::vector<ParsedTrack> tracks;
  std::vector<ParsedFrame> frames;
  int64_t clusters = 0;
  int64_t cue_points = 0;
  bool has_seek_head = false;
};

// Fails with DataLoss, naming libwebm's status, when the file does not parse.
absl::StatusOr<ParsedFile> ReadWebm(std::vector<uint8_t> bytes);
absl::StatusOr<ParsedFile> ReadWebmFile(const std::string& path);

// A file cut short (a recorder killed mid-write): everything before the
// point where parsing failed, `cut_short` saying whether it did. Fails only
// when not even the head parses. The file's bytes from `data_offset` on
// are read (a recorder's working file has room for a ZIP header in front).
struct PartialFile {
  ParsedFile file;
  bool cut_short = false;
};
absl::StatusOr<PartialFile> ReadWebmPrefix(const std::string& path, uint64_t data_offset = 0);

}  // namespace rtparchive::container

#endif  // RTPARCHIVE_CONTAINER_WEBM_READER_H_
