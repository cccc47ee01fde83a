// The records of a ZIP file as PKWARE's APPNOTE.TXT (6.3) lays them out:
// local and central headers of stored entries, with ZIP64 fields where sizes
// or offsets need them, and the end records. zip_writer.cc arranges them.
#ifndef RTPARCHIVE_ARCHIVE_ZIP_RECORDS_H_
#define RTPARCHIVE_ARCHIVE_ZIP_RECORDS_H_

#include <cstdint>
#include <string>

namespace rtparchive::archive {

inline constexpr uint64_t kMax32 = 0xffffffff;  // a 32-bit field this large means "see ZIP64"

// What the central directory says of one entry.
struct StoredEntry {
  std::string name;
  uint64_t size = 0;
  uint32_t crc32 = 0;
  uint64_t header_offset = 0;
};

// MS-DOS date and time fields (as ZIP stores them) of a UTC instant.
void ToDosTime(int64_t time_ms, uint16_t* dos_time, uint16_t* dos_date);

// The local header in front of the entry's bytes.
std::string LocalHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date);
// The entry's record in the central directory.
std::string CentralHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date);
// The end of central directory record, after ZIP64 ones when needed.
std::string EndRecords(uint64_t entries, uint64_t directory_offset, uint64_t directory_size);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_ZIP_RECORDS_H_
