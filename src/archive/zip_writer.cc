#include "archive/zip_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "container/byte_sink.h"

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
constexpr uint64_t kMax32 = 0xffffffff;  // a 32-bit field this large means "see ZIP64"
constexpr uint64_t kMax16 = 0xffff;
constexpr size_t kCopyChunk = 1 << 20;

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

// What the central directory says of one entry.
struct StoredEntry {
  std::string name;
  uint64_t size = 0;
  uint32_t crc32 = 0;
  uint64_t header_offset = 0;
};

// The ZIP under construction: a file written front to back.
class ZipFile {
 public:
  ZipFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~ZipFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  uint64_t size() const { return size_; }

  absl::Status Append(const std::string& bytes) {
    if (absl::Status status = WriteAt(bytes.data(), bytes.size(), size_); !status.ok()) {
      return status;
    }
    size_ += bytes.size();
    return absl::OkStatus();
  }

  // Appends `size` bytes of `source`: inside the kernel where the file
  // systems allow, else through one buffer.
  absl::Status AppendFile(int source, const std::string& source_path, uint64_t size) {
    off_t in = 0;
    off_t out = static_cast<off_t>(size_);
    bool kernel_copy = true;
    std::vector<char> buffer;
    while (static_cast<uint64_t>(in) < size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(size - in, 1u << 30));
      ssize_t copied;
      if (kernel_copy) {
        copied = ::copy_file_range(source, &in, fd_, &out, want, 0);  // moves `in` and `out`
        if (copied < 0 && errno == EINTR) continue;
        if (copied < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                           errno == EOPNOTSUPP || errno == EBADF)) {
          kernel_copy = false;
          continue;
        }
        if (copied < 0) return container::FileWriteError(path_, errno);
      } else {
        buffer.resize(std::min(want, kCopyChunk));
        copied = ::pread(source, buffer.data(), buffer.size(), in);
        if (copied < 0 && errno == EINTR) continue;
        if (copied < 0) return ReadError(source_path, errno);
        if (absl::Status status = WriteAt(buffer.data(), static_cast<size_t>(copied), out);
            !status.ok())
          return status;
        in += copied;
        out += copied;
      }
      if (copied == 0) return Shrunk(source_path);
    }
    size_ = static_cast<uint64_t>(out);
    return absl::OkStatus();
  }

  // Closes and gives the file its final name.
  absl::Status CommitAs(const std::string& final_path) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return container::FileWriteError(path_, errno);
    if (::rename(path_.c_str(), final_path.c_str()) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot rename '", path_, "' to '", final_path,
                                                 "': ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }

  static absl::Status ReadError(const std::string& path, int error) {
    return absl::UnavailableError(
        absl::StrCat("reading '", path, "' to zip it failed: ", std::strerror(error)));
  }
  static absl::Status Shrunk(const std::string& path) {
    return absl::DataLossError(absl::StrCat("'", path, "' became shorter while it was zipped"));
  }

 private:
  absl::Status WriteAt(const char* data, size_t size, uint64_t offset) {
    for (size_t done = 0; done < size;) {
      const ssize_t written = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) return container::FileWriteError(path_, errno);
      done += static_cast<size_t>(written);
    }
    return absl::OkStatus();
  }

  std::string path_;
  int fd_;
  uint64_t size_ = 0;
};

absl::StatusOr<uint32_t> Crc32OfFile(int fd, const std::string& path, uint64_t size) {
  std::string buffer(kCopyChunk, '\0');
  uint32_t crc = 0;
  for (uint64_t at = 0; at < size;) {
    const ssize_t got = ::pread(fd, buffer.data(), std::min<uint64_t>(size - at, buffer.size()),
                                static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ZipFile::ReadError(path, errno);
    if (got == 0) return ZipFile::Shrunk(path);
    crc = ::libdeflate_crc32(crc, buffer.data(), static_cast<size_t>(got));
    at += static_cast<uint64_t>(got);
  }
  return crc;
}

std::string LocalHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date) {
  const bool zip64 = entry.size >= kMax32;
  Fields header;
  header.U32(kLocalHeaderSignature)
      .U16(zip64 ? kVersionZip64 : kVersionStored)
      .U16(kUtf8Names)
      .U16(0)  // stored
      .U16(dos_time)
      .U16(dos_date)
      .U32(entry.crc32)
      .U32(zip64 ? kMax32 : entry.size)
      .U32(zip64 ? kMax32 : entry.size)
      .U16(entry.name.size())
      .U16(zip64 ? 20 : 0)
      .Bytes(entry.name);
  if (zip64) header.U16(kZip64ExtraId).U16(16).U64(entry.size).U64(entry.size);
  return header.bytes();
}

void AppendCentralHeader(const StoredEntry& entry, uint16_t dos_time, uint16_t dos_date,
                         Fields* directory) {
  // The ZIP64 extra field holds just the values too large for their field.
  Fields extra;
  const bool large = entry.size >= kMax32, far = entry.header_offset >= kMax32;
  if (large) extra.U64(entry.size).U64(entry.size);
  if (far) extra.U64(entry.header_offset);
  const bool zip64 = large || far;
  const uint16_t version = zip64 ? kVersionZip64 : kVersionStored;
  directory->U32(kCentralHeaderSignature)
      .U16(kMadeOnUnix | version)
      .U16(version)
      .U16(kUtf8Names)
      .U16(0)
      .U16(dos_time)
      .U16(dos_date)
      .U32(entry.crc32)
      .U32(large ? kMax32 : entry.size)
      .U32(large ? kMax32 : entry.size)
      .U16(entry.name.size())
      .U16(zip64 ? 4 + extra.bytes().size() : 0)
      .U16(0)  // comment
      .U16(0)  // disk
      .U16(0)  // internal attributes
      .U32(uint64_t{kRegularFileMode} << 16)
      .U32(far ? kMax32 : entry.header_offset)
      .Bytes(entry.name);
  if (zip64) directory->U16(kZip64ExtraId).U16(extra.bytes().size()).Bytes(extra.bytes());
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

absl::Status WriteEntries(ZipFile& zip, const std::vector<ZipEntry>& entries, int64_t entry_time_ms) {
  uint16_t dos_time = 0, dos_date = 0;
  ToDosTime(entry_time_ms, &dos_time, &dos_date);
  std::vector<StoredEntry> stored;
  for (const ZipEntry& entry : entries) {
    StoredEntry written{entry.name, 0, 0, zip.size()};
    if (entry.source_path.empty()) {
      written.size = entry.contents.size();
      written.crc32 = ::libdeflate_crc32(0, entry.contents.data(), entry.contents.size());
      if (absl::Status status = zip.Append(LocalHeader(written, dos_time, dos_date));
          !status.ok())
        return status;
      if (absl::Status status = zip.Append(entry.contents); !status.ok()) return status;
    } else {
      const int source = ::open(entry.source_path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat info;
      if (source < 0 || ::fstat(source, &info) != 0) {
        const int error = errno;
        if (source >= 0) ::close(source);
        return ZipFile::ReadError(entry.source_path, error);
      }
      written.size = static_cast<uint64_t>(info.st_size);
      absl::Status status = absl::OkStatus();
      if (entry.source_crc32) {
        written.crc32 = *entry.source_crc32;
      } else if (auto crc = Crc32OfFile(source, entry.source_path, written.size); crc.ok()) {
        written.crc32 = *crc;
      } else {
        status = crc.status();
      }
      if (status.ok()) status = zip.Append(LocalHeader(written, dos_time, dos_date));
      if (status.ok()) status = zip.AppendFile(source, entry.source_path, written.size);
      ::close(source);
      if (!status.ok()) return status;
    }
    stored.push_back(std::move(written));
  }
  const uint64_t directory_offset = zip.size();
  Fields directory;
  for (const StoredEntry& entry : stored) AppendCentralHeader(entry, dos_time, dos_date, &directory);
  if (absl::Status status = zip.Append(directory.bytes()); !status.ok()) return status;
  return zip.Append(EndRecords(stored.size(), directory_offset, directory.bytes().size()));
}

}  // namespace

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms) {
  const std::string temporary_path = absl::StrCat(zip_path, ".writing-", ::getpid());
  const int fd =
      ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", zip_path, "' (as '", temporary_path, "'): ",
                     std::strerror(errno), "; check that its folder exists and is writable"));
  }
  ZipFile zip(temporary_path, fd);
  absl::Status status = WriteEntries(zip, entries, entry_time_ms);
  if (status.ok()) status = zip.CommitAs(zip_path);
  if (!status.ok()) ::unlink(temporary_path.c_str());
  return status;
}

}  // namespace rtparchive::archive
