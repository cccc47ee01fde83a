#include "archive/zip_records.h"

#include <algorithm>
#include <ctime>

namespace rtparchive::archive {
namespace {

// Field values from PKWARE's APPNOTE.TXT (6.3).
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kVersionStored = 20;  // 2.0: stored entries, folders
constexpr uint16_t kVersionZip64 = 45;   // 4.5: ZIP64 fields
constexpr uint16_t kMadeOnUnix = 3 << 8;
constexpr uint16_t kUtf8Names = 1 << 11;
constexpr uint32_t kRegularFileMode = 0100644;
constexpr uint64_t kMax16 = 0xffff;

// Appends little-endian fields, as every ZIP structure stores them.
class Fields {
 public:
  Fields& U16(uint64_t value) { return Put(value, 2); }
  Fields& U32(uint64_t value) { return Put(value, 4); }
  Fields& U64(uint64_t value) { return Put(value, 8); }
  Fields& Bytes(const std::string& text) {
    bytes_ += text;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  Fields& Put(uint64_t value, int size) {
    for (int i = 0; i < size; ++i) bytes_.push_back(static_cast<char>(value >> (8 * i) & 0xff));
    return *this;
  }
  std::string bytes_;
};

// The fields local and central headers share, from the flags to the name's
// length; `large` sizes are in the ZIP64 extra field.
void AppendSharedFields(const StoredEntry& entry, bool large, uint16_t dos_time, uint16_t dos_date,
                        Fields* fields) {
  fields->U16(kUtf8Names)
      .U16(0)  // stored
      .U16(dos_time)
      .U16(dos_date)
      .U32(entry.crc32)
      .U32(large ? kMax32 : entry.size)
      .U32(large ? kMax32 : entry.size)
      .U16(entry.name.size());
}

}  // namespace

// MS-DOS date and time fields (as ZIP stores them) of a UTC instant.
void ToDosTime(int64_t time_ms, uint16_t* dos_time, uint16_t* dos_date) {
  const time_t seconds = static_cast<time_t>(time_ms / 1000);
  struct tm utc = {};
  gmtime_r(&seconds, &utc);
  if (utc.tm_year < 80) {  // DOS dates start in 1980
    *dos_time = 0;
    *dos_date = (1 << 5) | 1;
    return;
  }
  *dos_time = static_cast<uint16_t>(utc.tm_hour << 11 | utc.tm_min << 5 | utc.tm_sec / 2);
  *dos_date = static_cast<uint16_t>((utc.tm_year - 80) << 9 | (utc.tm_mon + 1) << 5 | utc.tm_mday);
}

std::string LocalHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date) {
  const bool zip64 = entry.size >= kMax32;
  Fields header;
  header.U32(kLocalHeaderSignature).U16(zip64 ? kVersionZip64 : kVersionStored);
  AppendSharedFields(entry, zip64, dos_time, dos_date, &header);
  header.U16(zip64 ? 20 : 0).Bytes(entry.name);
  if (zip64) header.U16(kZip64ExtraId).U16(16).U64(entry.size).U64(entry.size);
  return header.bytes();
}

std::string CentralHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date) {
  Fields header;
  Fields* directory = &header;
  // The ZIP64 extra field holds just the values too large for their field.
  Fields extra;
  const bool large = entry.size >= kMax32, far = entry.header_offset >= kMax32;
  if (large) extra.U64(entry.size).U64(entry.size);
  if (far) extra.U64(entry.header_offset);
  const bool zip64 = large || far;
  const uint16_t version = zip64 ? kVersionZip64 : kVersionStored;
  directory->U32(kCentralHeaderSignature).U16(kMadeOnUnix | version).U16(version);
  AppendSharedFields(entry, large, dos_time, dos_date, directory);
  directory->U16(zip64 ? 4 + extra.bytes().size() : 0)
      .U16(0)  // comment
      .U16(0)  // disk
      .U16(0)  // internal attributes
      .U32(uint64_t{kRegularFileMode} << 16)
      .U32(far ? kMax32 : entry.header_offset)
      .Bytes(entry.name);
  if (zip64) directory->U16(kZip64ExtraId).U16(extra.bytes().size()).Bytes(extra.bytes());
  return header.bytes();
}

std::string EndRecords(uint64_t entries, uint64_t directory_offset, uint64_t directory_size) {
  Fields end;
  if (entries >= kMax16 || directory_offset >= kMax32 || directory_size >= kMax32) {
    const uint64_t zip64_end_offset = directory_offset + directory_size;
    end.U32(kZip64EndSignature)
        .U64(44)  // the record's size after this field
        .U16(kMadeOnUnix | kVersionZip64)
        .U16(kVersionZip64)
        .U32(0)
        .U32(0)
        .U64(entries)
        .U64(entries)
        .U64(directory_size)
        .U64(directory_offset);
    end.U32(kZip64LocatorSignature).U32(0).U64(zip64_end_offset).U32(1);
  }
  end.U32(kEndSignature)
      .U16(0)
      .U16(0)
      .U16(std::min(entries, kMax16))
      .U16(std::min(entries, kMax16))
      .U32(std::min(directory_size, kMax32))
      .U32(std::min(directory_offset, kMax32))
      .U16(0);
  return end.bytes();
}

}  // namespace rtparchive::archive
