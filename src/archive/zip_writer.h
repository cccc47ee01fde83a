// Writes the archive ZIP: entries stored, not deflated (media is already
// compressed), ZIP64 where sizes or offsets need it, UTF-8 names, every
// entry's time set to the archive's createdAt (UTC) so the same input gives
// the same bytes.
//
// Written here rather than with libzip (which reads archives back in
// `verify`, `inspect` and the tests) because the finaliser is the one place
// that copies every media byte: libzip copies each stored entry through
// 8 KiB user-space buffers and computes its CRC-32 by reading it again,
// while here a file's bytes are copied inside the kernel (copy_file_range)
// and its CRC-32 is the one the segment writer summed as it wrote.
//
// The ZIP is written under a temporary name in the destination's folder and
// renamed over the destination only when complete, so a reader never sees a
// half-written archive.
#ifndef RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
#define RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace rtparchive::archive {

struct ZipEntry {
  std::string name;         // entry name at the ZIP root
  std::string source_path;  // file to copy in; empty when `contents` is used
  std::string contents;
  // The source file's CRC-32 when already known; else the file is read for it.
  std::optional<uint32_t> source_crc32;
};

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_ZIP_WRITER_H_
