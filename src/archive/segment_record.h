// One segment file of an archive, as every part of archive/ reads it: the
// stream recorder fills it as it writes the file, the journal keeps it for a
// recovery, and finalising turns it into the manifest's entry and the
// caller's FileResult.
#ifndef RTPARCHIVE_ARCHIVE_SEGMENT_RECORD_H_
#define RTPARCHIVE_ARCHIVE_SEGMENT_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "rtparchive/archive.h"

namespace rtparchive::archive {

struct SegmentRecord {
  // Stream, segment index, file name, size, duration, connection data and
  // video type. The time offsets count from the archive's createdAt, so they
  // are set when the archive is finalised.
  FileResult file;
  std::string path;              // the file in the working folder
  uint64_t data_offset = 0;      // room left in front of its bytes (the ZIP entry's header)
  int64_t first_capture_ms = 0;  // capture time of its first frame
  int64_t last_capture_ms = 0;   // ... and of its last
  std::optional<uint32_t> crc32;  // of its bytes, when summed as they were written
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_SEGMENT_RECORD_H_
