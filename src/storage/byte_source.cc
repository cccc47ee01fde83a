#include "storage/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace rtparchive::storage {

absl::StatusOr<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a regular file"));
  }
  return std::unique_ptr<FileSource>(new FileSource(path, fd, static_cast<uint64_t>(info.st_size)));
}

FileSource::~FileSource() { ::close(fd_); }

absl::StatusOr<size_t> FileSource::ReadAt(uint64_t offset, uint8_t* out, size_t length) const {
  size_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd_, out + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return absl::UnavailableError(absl::StrCat("reading '", path_, "' failed: ", std::strerror(errno)));
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

absl::StatusOr<std::unique_ptr<PiecesSource>> PiecesSource::Open(std::vector<SourcePiece> pieces,
                                                                  std::string name) {
  std::unique_ptr<PiecesSource> source(new PiecesSource);
  source->name_ = std::move(name);
  for (const SourcePiece& piece : pieces) {
    source->starts_.push_back(source->size_);
    if (piece.path.empty()) {
      source->fds_.push_back(-1);
      source->size_ += piece.bytes.size();
      continue;
    }
    const int fd = ::open(piece.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::NotFoundError(absl::StrCat("cannot open '", piece.path, "': ", std::strerror(errno)));
    }
    source->fds_.push_back(fd);
    struct stat info;
    if (::fstat(fd, &info) != 0 || static_cast<uint64_t>(info.st_size) < piece.offset + piece.size) {
      return absl::DataLossError(absl::StrCat("'", piece.path, "' is shorter than the archive needs"));
    }
    source->size_ += piece.size;
  }
  source->pieces_ = std::move(pieces);
  return source;
}

PiecesSource::~PiecesSource() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

absl::StatusOr<size_t> PiecesSource::ReadAt(uint64_t offset, uint8_t* out, size_t length) const {
  size_t done = 0;
  // The piece holding `offset`: the last one starting at or before it.
  size_t index = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin());
  index = index == 0 ? 0 : index - 1;
  while (done < length && index < pieces_.size()) {
    const SourcePiece& piece = pieces_[index];
    const uint64_t piece_size = fds_[index] < 0 ? piece.bytes.size() : piece.size;
    const uint64_t within = offset + done - starts_[index];
    if (within >= piece_size) {
      ++index;
      continue;
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(length - done, piece_size - within));
    if (fds_[index] < 0) {
      std::memcpy(out + done, piece.bytes.data() + within, want);
      done += want;
      continue;
    }
    const ssize_t got = ::pread(fds_[index], out + done, want, static_cast<off_t>(piece.offset + within));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return absl::UnavailableError(absl::StrCat("reading '", piece.path, "' failed: ", std::strerror(errno)));
    }
    if (got == 0) return absl::DataLossError(absl::StrCat("'", piece.path, "' became shorter while it was read"));
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace rtparchive::storage
