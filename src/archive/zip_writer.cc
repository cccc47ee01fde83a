#include "archive/zip_writer.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "archive/zip_records.h"
#include "base/status_macros.h"
#include "container/byte_sink.h"

namespace rtparchive::archive {
namespace {

constexpr size_t kCopyChunk = 1 << 20;

// The ZIP under construction: a file written front to back from `size`.
class ZipFile {
 public:
  ZipFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~ZipFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  absl::Status Append(const std::string& bytes) {
    RETURN_IF_ERROR(WriteAt(bytes.data(), bytes.size(), size_));
    size_ += bytes.size();
    return absl::OkStatus();
  }

  // Counts `size` bytes already in the file as written.
  void Keep(uint64_t size) { size_ += size; }

  // Overwrites the file's first bytes (room left for them).
  absl::Status WriteFront(const std::string& bytes) {
    return WriteAt(bytes.data(), bytes.size(), 0);
  }

  // Appends `size` bytes of `source` from `offset`: inside the kernel where
  // the file systems allow, else through one buffer.
  absl::Status AppendFile(int source, const std::string& source_path, uint64_t offset,
                          uint64_t size) {
    off_t in = static_cast<off_t>(offset);
    off_t out = static_cast<off_t>(size_);
    const off_t end = static_cast<off_t>(offset + size);
    bool kernel_copy = true;
    std::vector<char> buffer;
    while (in < end) {
      const size_t want = static_cast<size_t>(std::min<off_t>(end - in, off_t{1} << 30));
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
        RETURN_IF_ERROR(WriteAt(buffer.data(), static_cast<size_t>(copied), out));
        in += copied;
        out += copied;
      }
      if (copied == 0) return Shrunk(source_path);
    }
    size_ = static_cast<uint64_t>(out);
    return absl::OkStatus();
  }

  // Closes the file and gives it its final name.
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
      const ssize_t written =
          ::pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
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

// An open source file of a file entry.
class SourceFile {
 public:
  ~SourceFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Open(const ZipEntry& entry) {
    fd_ = ::open(entry.source_path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd_ < 0 || ::fstat(fd_, &info) != 0) return ZipFile::ReadError(entry.source_path, errno);
    if (static_cast<uint64_t>(info.st_size) < entry.source_offset + entry.source_size) {
      return ZipFile::Shrunk(entry.source_path);
    }
    return absl::OkStatus();
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

absl::StatusOr<uint32_t> Crc32OfFile(int fd, const ZipEntry& entry) {
  std::vector<char> buffer(kCopyChunk);
  uint32_t crc = 0;
  for (uint64_t done = 0; done < entry.source_size;) {
    const ssize_t got =
        ::pread(fd, buffer.data(), std::min<uint64_t>(entry.source_size - done, buffer.size()),
                static_cast<off_t>(entry.source_offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return ZipFile::ReadError(entry.source_path, errno);
    if (got == 0) return ZipFile::Shrunk(entry.source_path);
    crc = ::libdeflate_crc32(crc, buffer.data(), static_cast<size_t>(got));
    done += static_cast<uint64_t>(got);
  }
  return crc;
}

// The entry's size and CRC-32; the file is read only when the CRC is unknown.
absl::StatusOr<StoredEntry> Describe(const ZipEntry& entry, const SourceFile* source) {
  StoredEntry stored;
  stored.name = entry.name;
  if (entry.source_path.empty()) {
    stored.size = entry.contents.size();
    stored.crc32 = ::libdeflate_crc32(0, entry.contents.data(), entry.contents.size());
    return stored;
  }
  stored.size = entry.source_size;
  if (entry.source_crc32) {
    stored.crc32 = *entry.source_crc32;
    return stored;
  }
  ASSIGN_OR_RETURN(auto crc, Crc32OfFile(source->fd(), entry));
  stored.crc32 = crc;
  return stored;
}

// The entry whose source file can become the ZIP: the largest with room
// for its header in front, small enough for a header without ZIP64 fields,
// on the destination's file system.
std::optional<size_t> InPlaceEntry(const std::string& zip_path,
                                   const std::vector<ZipEntry>& entries) {
  const size_t slash = zip_path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : zip_path.substr(0, slash + 1);
  struct stat destination;
  if (::stat(folder.c_str(), &destination) != 0) return std::nullopt;
  std::optional<size_t> chosen;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ZipEntry& entry = entries[i];
    struct stat source;
    if (entry.source_path.empty() || entry.source_offset != LocalHeaderBytes(entry.name) ||
        entry.source_size >= kMax32 || ::stat(entry.source_path.c_str(), &source) != 0 ||
        source.st_dev != destination.st_dev) {
      continue;
    }
    if (!chosen || entry.source_size > entries[*chosen].source_size) chosen = i;
  }
  return chosen;
}

// Writes every entry but `in_place` (already in the file, after its header)
// and the central directory, listing the entries in their given order.
absl::Status WriteEntries(ZipFile& zip, const std::vector<ZipEntry>& entries,
                          std::optional<size_t> in_place, int64_t entry_time_ms) {
  uint16_t dos_time = 0, dos_date = 0;
  ToDosTime(entry_time_ms, &dos_time, &dos_date);
  std::vector<StoredEntry> stored(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const ZipEntry& entry = entries[i];
    SourceFile source;
    if (!entry.source_path.empty()) {
      RETURN_IF_ERROR(source.Open(entry));
    }
    ASSIGN_OR_RETURN(auto described, Describe(entry, &source));
    stored[i] = std::move(described);
    if (in_place && i == *in_place) {
      // Its header goes into the room in front of its data, at the start.
      continue;
    }
    stored[i].header_offset = zip.size();
    RETURN_IF_ERROR(zip.Append(LocalHeader(stored[i], dos_time, dos_date)));
    absl::Status status = entry.source_path.empty()
                              ? zip.Append(entry.contents)
                              : zip.AppendFile(source.fd(), entry.source_path, entry.source_offset,
                                               entry.source_size);
    if (!status.ok()) return status;
  }
  if (in_place) {
    const std::string header = LocalHeader(stored[*in_place], dos_time, dos_date);
    RETURN_IF_ERROR(zip.WriteFront(header));
  }
  const uint64_t directory_offset = zip.size();
  std::string directory;
  for (const StoredEntry& entry : stored)
    directory += CentralHeader(entry, dos_time, dos_date);
  RETURN_IF_ERROR(zip.Append(directory));
  return zip.Append(EndRecords(stored.size(), directory_offset, directory.size()));
}

}  // namespace

uint64_t LocalHeaderBytes(const std::string& name) { return 30 + name.size(); }

ZipEntry ZipEntry::FromFile(std::string name, std::string path, uint64_t offset, uint64_t size,
                            std::optional<uint32_t> crc32) {
  ZipEntry entry;
  entry.name = std::move(name);
  entry.source_path = std::move(path);
  entry.source_offset = offset;
  entry.source_size = size;
  entry.source_crc32 = crc32;
  return entry;
}

ZipEntry ZipEntry::FromText(std::string name, std::string text) {
  ZipEntry entry;
  entry.name = std::move(name);
  entry.contents = std::move(text);
  return entry;
}

absl::Status WriteZip(const std::string& zip_path, const std::vector<ZipEntry>& entries,
                      int64_t entry_time_ms) {
  if (const std::optional<size_t> in_place = InPlaceEntry(zip_path, entries)) {
    const ZipEntry& base = entries[*in_place];
    const int fd = ::open(base.source_path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ZipFile::ReadError(base.source_path, errno);
    ZipFile zip(base.source_path, fd);
    // Anything past the data is left from an earlier attempt: cut it off,
    // and again after a failure, so `recover` finds the file as it was.
    const uint64_t data_end = base.source_offset + base.source_size;
    absl::Status status = ::ftruncate(fd, static_cast<off_t>(data_end)) == 0
                              ? absl::OkStatus()
                              : container::FileWriteError(base.source_path, errno);
    zip.Keep(data_end);
    if (status.ok()) status = WriteEntries(zip, entries, in_place, entry_time_ms);
    if (status.ok()) status = zip.CommitAs(zip_path);
    if (!status.ok()) ::truncate(base.source_path.c_str(), static_cast<off_t>(data_end));
    return status;
  }
  const std::string temporary_path = absl::StrCat(zip_path, ".writing-", ::getpid());
  const int fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot create '", zip_path, "' (as '", temporary_path, "'): ", std::strerror(errno),
        "; check that its folder exists and is writable"));
  }
  ZipFile zip(temporary_path, fd);
  absl::Status status = WriteEntries(zip, entries, std::nullopt, entry_time_ms);
  if (status.ok()) status = zip.CommitAs(zip_path);
  if (!status.ok()) ::unlink(temporary_path.c_str());
  return status;
}

absl::StatusOr<std::vector<ZipPiece>> PlanZip(const std::vector<ZipEntry>& entries,
                                              int64_t entry_time_ms) {
  uint16_t dos_time = 0, dos_date = 0;
  ToDosTime(entry_time_ms, &dos_time, &dos_date);
  std::vector<ZipPiece> pieces;
  std::vector<StoredEntry> stored(entries.size());
  uint64_t size = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const ZipEntry& entry = entries[i];
    SourceFile source;
    if (!entry.source_path.empty()) RETURN_IF_ERROR(source.Open(entry));
    ASSIGN_OR_RETURN(stored[i], Describe(entry, &source));
    stored[i].header_offset = size;
    pieces.push_back({LocalHeader(stored[i], dos_time, dos_date), "", 0, 0});
    size += pieces.back().bytes.size();
    if (entry.source_path.empty()) {
      pieces.push_back({entry.contents, "", 0, 0});
    } else {
      pieces.push_back({"", entry.source_path, entry.source_offset, entry.source_size});
    }
    size += stored[i].size;
  }
  std::string directory;
  for (const StoredEntry& entry : stored) directory += CentralHeader(entry, dos_time, dos_date);
  pieces.push_back({directory + EndRecords(stored.size(), size, directory.size()), "", 0, 0});
  return pieces;
}

}  // namespace rtparchive::archive
