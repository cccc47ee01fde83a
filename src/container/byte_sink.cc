#include "container/byte_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace rtparchive::container {
namespace {

absl::Status WriteError(const std::string& path, int error) {
  const std::string reason = std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) {
    return absl::ResourceExhaustedError(
        absl::StrCat("writing '", path, "' failed: ", reason, "; free disk space and retry"));
  }
  if (error == EFBIG) {
    return absl::ResourceExhaustedError(absl::StrCat("writing '", path, "' failed: ", reason,
                                                     "; raise the file size limit (ulimit -f)"));
  }
  return absl::UnavailableError(absl::StrCat("writing '", path, "' failed: ", reason));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Create(const std::string& path,
                                                           size_t buffer_size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", path, "': ", std::strerror(errno),
                     "; check that its folder exists and is writable"));
  }
  return std::unique_ptr<FileSink>(new FileSink(path, fd, buffer_size));
}

FileSink::FileSink(std::string path, int fd, size_t buffer_size)
    : path_(std::move(path)), fd_(fd), buffer_capacity_(buffer_size) {
  buffer_.reserve(buffer_capacity_);
}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FileSink::WriteAt(const uint8_t* data, size_t size, uint64_t position) {
  size_t done = 0;
  while (done < size) {
    const ssize_t written =
        ::pwrite(fd_, data + done, size - done, static_cast<off_t>(position + done));
    if (written < 0) {
      if (errno == EINTR) continue;
      return WriteError(path_, errno);
    }
    done += static_cast<size_t>(written);
  }
  return absl::OkStatus();
}

absl::Status FileSink::Flush() {
  if (absl::Status status = WriteAt(buffer_.data(), buffer_.size(), file_position_); !status.ok()) {
    return status;
  }
  file_position_ += buffer_.size();
  buffer_.clear();
  return absl::OkStatus();
}

absl::Status FileSink::Write(absl::Span<const uint8_t> bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat("'", path_, "' is closed"));
  if (buffer_.size() + bytes.size() > buffer_capacity_) {
    if (absl::Status status = Flush(); !status.ok()) return status;
  }
  if (bytes.size() >= buffer_capacity_) {
    // Large writes skip the buffer.
    if (absl::Status status = WriteAt(bytes.data(), bytes.size(), file_position_); !status.ok()) {
      return status;
    }
    file_position_ += bytes.size();
    return absl::OkStatus();
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  return absl::OkStatus();
}

absl::Status FileSink::Seek(uint64_t position) {
  if (absl::Status status = Flush(); !status.ok()) return status;
  file_position_ = position;
  return absl::OkStatus();
}

absl::Status FileSink::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status status = Flush();
  if (::close(fd_) != 0 && status.ok()) status = WriteError(path_, errno);
  fd_ = -1;
  return status;
}

absl::Status MemorySink::Write(absl::Span<const uint8_t> bytes) {
  if (position_ + bytes.size() > bytes_.size()) bytes_.resize(position_ + bytes.size());
  std::memcpy(bytes_.data() + position_, bytes.data(), bytes.size());
  position_ += bytes.size();
  return absl::OkStatus();
}

absl::Status MemorySink::Seek(uint64_t position) {
  if (position > bytes_.size()) return absl::OutOfRangeError("seek past the end of a memory sink");
  position_ = position;
  return absl::OkStatus();
}

}  // namespace rtparchive::container
