// Writes an archive's manifest and ZIP from its finished segment files: what
// Archive::Stop does after the streams are finished, and what a recovery
// does with the files it repaired.
#ifndef RTPARCHIVE_ARCHIVE_FINALISE_H_
#define RTPARCHIVE_ARCHIVE_FINALISE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "archive/journal.h"
#include "rtparchive/archive.h"

namespace rtparchive::archive {

struct RecordedFile {
  std::string stream_id;
  std::string connection_data;
  std::string video_type;
  int segment_index = 0;
  std::string filename;  // ZIP entry name
  std::string path;      // the finished file
  uint64_t data_offset = 0;  // where its WebM/Matroska bytes start in it
  uint64_t size = 0;         // of those bytes
  int64_t first_capture_ms = 0;  // capture time of its first frame
  int64_t last_capture_ms = 0;   // ... and of its last
  double duration_ms = 0;
  std::optional<uint32_t> crc32;  // of the file, when known (else the ZIP writer reads it)
};

// createdAt is the earliest file's first capture time (`fallback_created_at_ms`
// without files). Validates the manifest against the schema, writes the ZIP
// to `output_path` (complete or not at all), and fills `result`'s zip_path,
// zip_size, created_at_ms, manifest_json and files. Removes nothing.
absl::Status WriteArchiveZip(const JournalArchive& fields, int64_t fallback_created_at_ms,
                             const std::vector<RecordedFile>& files, const std::string& output_path,
                             ArchiveResult* result);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_FINALISE_H_
