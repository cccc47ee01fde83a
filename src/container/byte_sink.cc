#include "container/byte_sink.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace rtparchive::container {
absl::Status FileWriteError(const std::string& path, int error) {
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

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Create(const std::string& path,
                                                           const FileSinkOptions& options) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create '", path, "': ", std::strerror(errno),
                     "; check that its folder exists and is writable"));
  }
  return std::unique_ptr<FileSink>(new FileSink(path, fd, options));
}

FileSink::FileSink(std::string path, int fd, const FileSinkOptions& options)
    : path_(std::move(path)),
      fd_(fd),
      buffer_capacity_(options.buffer_bytes),
      data_offset_(options.leading_room),
      sum_crc32_(options.sum_crc32) {
  pending_.copied.reserve(buffer_capacity_);
  writer_ = std::thread([this] { WriterLoop(); });
}

FileSink::~FileSink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.join();
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::Batch::Clear() {
  copied.clear();
  pieces.clear();
  adopted.clear();
  size = 0;
}

void FileSink::WriterLoop() {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [this] { return busy_ || stopping_; });
    if (!busy_) return;
    // The caller leaves in_flight_ alone while busy_ is set.
    const Batch* batch = &in_flight_;
    const uint64_t position = in_flight_position_;
    lock.unlock();
    absl::Status status = WriteBatch(*batch, position);
    lock.lock();
    if (!status.ok() && writer_status_.ok()) writer_status_ = status;
    in_flight_.Clear();
    busy_ = false;
    lock.unlock();
    changed_.notify_all();
  }
}

absl::Status FileSink::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return !busy_; });
  return writer_status_;
}

void FileSink::SumContents(const uint8_t* data, size_t size, uint64_t position) {
  if (position < kRewritableBytes) {
    const size_t in_head =
        static_cast<size_t>(std::min<uint64_t>(size, kRewritableBytes - position));
    if (head_.size() < position + in_head) head_.resize(position + in_head);
    std::memcpy(head_.data() + position, data, in_head);
    data += in_head;
    size -= in_head;
    position += in_head;
  }
  if (size == 0) return;
  if (!sum_crc32_ || position != kRewritableBytes + tail_size_) {
    tail_in_order_ = false;
    return;
  }
  // libdeflate's CRC-32 uses the CPU's carry-less multiply: about four
  // times zlib's speed on every byte of media.
  tail_crc32_ = ::libdeflate_crc32(tail_crc32_, data, size);
  tail_size_ += size;
}

std::optional<uint32_t> FileSink::contents_crc32() const {
  if (!tail_in_order_) return std::nullopt;
  const uLong head_crc = ::crc32_z(0, head_.data(), head_.size());
  return static_cast<uint32_t>(
      ::crc32_combine(head_crc, tail_crc32_, static_cast<z_off_t>(tail_size_)));
}

absl::Status FileSink::WriteBatch(const Batch& batch, uint64_t position) {
  std::vector<iovec> pieces;
  pieces.reserve(batch.pieces.size());
  uint64_t summed_to = position;
  for (const Batch::Piece& piece : batch.pieces) {
    const uint8_t* data = piece.adopted ? piece.adopted : batch.copied.data() + piece.offset;
    SumContents(data, piece.size, summed_to);
    summed_to += piece.size;
    pieces.push_back({const_cast<uint8_t*>(data), piece.size});
  }
  // As few system calls as pwritev allows: each costs ext4 more than
  // copying a few hundred KiB.
  const uint64_t at = data_offset_ + position;
  RETURN_IF_ERROR(WritePieces(absl::MakeSpan(pieces), at));
  StartWriteback(at + batch.size);
  return absl::OkStatus();
}

absl::Status FileSink::WritePieces(absl::Span<iovec> pieces, uint64_t at) {
  // pwritev takes at most IOV_MAX pieces, and may write fewer bytes than asked.
  size_t first = 0;
  while (first < pieces.size()) {
    const int count = static_cast<int>(std::min<size_t>(pieces.size() - first, IOV_MAX));
    const ssize_t written = ::pwritev(fd_, &pieces[first], count, static_cast<off_t>(at));
    if (written < 0) {
      if (errno == EINTR) continue;
      return FileWriteError(path_, errno);
    }
    at += static_cast<uint64_t>(written);
    for (size_t left = static_cast<size_t>(written); left > 0;) {
      iovec& piece = pieces[first];
      const size_t done = std::min(left, piece.iov_len);
      piece.iov_base = static_cast<uint8_t*>(piece.iov_base) + done;
      piece.iov_len -= done;
      left -= done;
      if (piece.iov_len == 0) ++first;
    }
  }
  return absl::OkStatus();
}

absl::Status FileSink::WriteAt(const uint8_t* data, size_t size, uint64_t position) {
  Batch batch;
  batch.pieces.push_back({data, 0, size});
  batch.size = size;
  return WriteBatch(batch, position);
}

void FileSink::StartWriteback(uint64_t written_to) {
  if (written_to < writeback_started_ + kWritebackStep) return;
  // Asks the kernel to start writing what is written so far, and returns
  // without waiting: the disk works while recording goes on, instead of all
  // at once when the finished file is closed or renamed.
  ::sync_file_range(fd_, static_cast<off_t>(writeback_started_),
                    static_cast<off_t>(written_to - writeback_started_), SYNC_FILE_RANGE_WRITE);
  writeback_started_ = written_to;
}

absl::Status FileSink::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [this] { return !busy_; });
  if (!writer_status_.ok()) return writer_status_;
  if (pending_.size == 0) return absl::OkStatus();
  std::swap(pending_, in_flight_);  // pending_ gets the written one back, emptied
  // Adopted blocks no write has named yet stay for the writes to come.
  std::vector<std::vector<uint8_t>>& adopted = in_flight_.adopted;
  for (size_t i = adopted_named_; i < adopted.size(); ++i) {
    pending_.adopted.push_back(std::move(adopted[i]));
  }
  adopted.resize(std::min(adopted_named_, adopted.size()));
  adopted_named_ = 0;
  in_flight_position_ = file_position_;
  file_position_ += in_flight_.size;
  busy_ = true;
  lock.unlock();
  changed_.notify_all();
  return absl::OkStatus();
}

void FileSink::Adopt(std::vector<std::vector<uint8_t>> blocks) {
  // Blocks adopted before and never written are dropped: the writes that
  // would have named them are over.
  pending_.adopted.resize(adopted_named_);
  for (std::vector<uint8_t>& block : blocks) pending_.adopted.push_back(std::move(block));
}

absl::Status FileSink::Write(absl::Span<const uint8_t> bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat("'", path_, "' is closed"));
  if (bytes.empty()) return absl::OkStatus();
  if (pending_.size > 0 && pending_.size + bytes.size() > buffer_capacity_) {
    RETURN_IF_ERROR(Flush());
  }
  std::vector<std::vector<uint8_t>>& adopted = pending_.adopted;
  if (adopted_named_ < adopted.size() &&
      bytes.data() == adopted[adopted_named_].data() &&
      bytes.size() == adopted[adopted_named_].size()) {
    pending_.pieces.push_back({bytes.data(), 0, bytes.size()});
    pending_.size += bytes.size();
    ++adopted_named_;
    return absl::OkStatus();
  }
  if (bytes.size() >= buffer_capacity_) {
    // Large writes skip the buffer (emptied above), once the writer thread is done.
    RETURN_IF_ERROR(WaitIdle());
    RETURN_IF_ERROR(WriteAt(bytes.data(), bytes.size(), file_position_));
    file_position_ += bytes.size();
    return absl::OkStatus();
  }
  const size_t offset = pending_.copied.size();
  pending_.copied.insert(pending_.copied.end(), bytes.begin(), bytes.end());
  if (!pending_.pieces.empty() && pending_.pieces.back().adopted == nullptr) {
    pending_.pieces.back().size += bytes.size();  // follows the last copy
  } else {
    pending_.pieces.push_back({nullptr, offset, bytes.size()});
  }
  pending_.size += bytes.size();
  return absl::OkStatus();
}

absl::Status FileSink::Seek(uint64_t position) {
  // Buffers are written in order, so a later one may overwrite an earlier.
  RETURN_IF_ERROR(Flush());
  file_position_ = position;
  return absl::OkStatus();
}

absl::Status FileSink::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status status = Flush();
  if (absl::Status written = WaitIdle(); status.ok()) status = written;
  if (::close(fd_) != 0 && status.ok()) status = FileWriteError(path_, errno);
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
