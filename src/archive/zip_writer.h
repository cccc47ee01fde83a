// Writes the archive ZIP with libzip: entries stored, not deflated (media is
// already compressed), ZIP64 where sizes need it, every entry's time set to
// the archive's createdAt (UTC) so the same input gives the same bytes.
// libzip writes into a temporary file in the destination's folder and
// renames it over the destination only when complete, so a reader never sees
// a half-written archive.
#ifndef RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
#define RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace rtparchive::archive {

struct ZipEntry {
  std::string name;         // entry name at the ZIP root
  std::string source_path;  // file to copy in; empty when `contents` is used
  std::string contents;
};

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
