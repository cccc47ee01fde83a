// Writes the archive ZIP: entries stored, not deflated (media is already
// compressed), ZIP64 where sizes or offsets need it, UTF-8 names, every
// entry's time set to the archive's createdAt (UTC) so the same input gives
// the same bytes.
//
// Written here rather than with libzip (which reads archives back in
// `verify`, `inspect` and the tests) because the finaliser is the one place
// that handles every media byte again: libzip copies each stored entry
// through 8 KiB user-space buffers into a new file and reads it once more for
// its CRC-32. Here the largest segment file, written with room for its
// entry's header in front, becomes the ZIP itself: the header goes into the
// room, the other entries are appended to it (copied inside the kernel,
// copy_file_range), and the file is renamed to the destination. CRC-32s are
// the ones the segment writer summed as it wrote.
//
// The ZIP is complete before it gets its name, so a reader never sees a
// half-written archive; on failure the source files are left as they were.
#ifndef RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
#define RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rtparchive/archive.h"

namespace rtparchive::archive {

// The bytes a file needs in front of its data to hold entry `name`'s
// header (without ZIP64 fields), so that it can become the ZIP in place.
uint64_t LocalHeaderBytes(const std::string& name);

struct ZipEntry {
  // An entry holding bytes [offset, offset + size) of the file at `path`.
  static ZipEntry FromFile(std::string name, std::string path, uint64_t offset, uint64_t size,
                           std::optional<uint32_t> crc32 = std::nullopt);
  static ZipEntry FromText(std::string name, std::string text);

  std::string name;         // entry name at the ZIP root
  std::string source_path;  // empty for a text entry
  uint64_t source_offset = 0;
  uint64_t source_size = 0;
  std::optional<uint32_t> source_crc32;  // when known; else the file is read for it
  std::string contents;                  // a text entry's bytes
};

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms);

// The ZIP of `entries` in their given order as pieces to concatenate, for
// a caller that streams it instead of writing it: the headers as bytes,
// each file's data as its range. Nothing is copied; a file is read only
// for a CRC-32 not known yet. DataLoss when a file is shorter than its entry.
absl::StatusOr<std::vector<ZipPiece>> PlanZip(const std::vector<ZipEntry>& entries,
                                              int64_t entry_time_ms);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
