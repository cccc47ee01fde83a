// Reads an individual stream archive back and checks it as a consumer would:
// the ZIP's integrity, the manifest against its schema, every listed file
// present with its stated size and nothing else, and each container parsed
// with libwebm's parser (not our writer's code): codecs that fit the file
// type, timestamps rising in every track, a duration that fits the offsets,
// Cues. What it learns also feeds `rtparchive inspect`.
#ifndef RTPARCHIVE_INSPECT_ARCHIVE_CHECK_H_
#define RTPARCHIVE_INSPECT_ARCHIVE_CHECK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rtparchive/archive.h"

namespace rtparchive::inspect {

struct Gap {
  int64_t from_ms = 0;  // file time of the frame before the gap
  int64_t to_ms = 0;    // and of the frame after it
};

// A video keyframe whose picture size differs from the one before it.
struct SizeChange {
  int64_t at_ms = 0;  // file time of the keyframe
  int width = 0, height = 0;
};

struct TrackReport {
  uint64_t number = 0;
  std::string kind;  // "video" or "audio"
  std::string codec_id;
  int width = 0, height = 0;
  int64_t frames = 0;
  int64_t keyframes = 0;
  int64_t first_ms = -1, last_ms = -1;
  int64_t last_interval_ms = 0;  // between its last two frames
  std::vector<Gap> gaps;  // pauses longer than 1 s between frames
  // Video: size changes after the first keyframe (VP8 keyframe headers,
  // H.264 SPS in the frames), and the clockwise rotation the file asks
  // players for (Matroska projection roll), -1 when none.
  std::vector<SizeChange> size_changes;
  int rotation_degrees = -1;
};

// A file of the archive: the manifest's entry for it (duration_ms as its
// container states; segment is not in a manifest and stays 0), and what
// reading the container found.
struct FileReport : FileResult {
  std::string doc_type;
  int64_t cue_points = 0;
  std::vector<TrackReport> tracks;
};

struct ArchiveReport {
  std::string id, name, session_id;
  int64_t partner_id = 0;
  int64_t created_at_ms = 0;
  std::vector<FileReport> files;
  // One line per problem found; empty when the archive is sound.
  std::vector<std::string> problems;
};

// Fails only when `zip_path` cannot be opened as a ZIP at all; everything
// else wrong with the archive is a line in `problems`.
absl::StatusOr<ArchiveReport> CheckArchive(const std::string& zip_path);

}  // namespace rtparchive::inspect

#endif  // RTPARCHIVE_INSPECT_ARCHIVE_CHECK_H_
