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
#include "archive/segment_record.h"
#include "rtparchive/archive.h"

namespace rtparchive::archive {

// createdAt is the earliest file's first capture time (`fallback_created_at_ms`
// without files). Validates the manifest against the schema, writes the ZIP
// to `output_path` (complete or not at all), and fills `result`'s zip_path,
// zip_size, created_at_ms, manifest_json and files. Without `write_zip`,
// fills zip_pieces instead of writing (ArchiveOptions::write_zip). Removes
// nothing.
absl::Status WriteArchiveZip(const JournalArchive& fields, int64_t fallback_created_at_ms,
                             const std::vector<SegmentRecord>& files, const std::string& output_path,
                             ArchiveResult* result, bool write_zip = true);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_FINALISE_H_
