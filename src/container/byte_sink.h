// The one narrow seam every container writes through: a file, a memory
// buffer, or (in tests) a sink that fails on purpose. Writes are buffered so
// the muxer's many small writes become few large system calls.
#ifndef RTPARCHIVE_CONTAINER_BYTE_SINK_H_
#define RTPARCHIVE_CONTAINER_BYTE_SINK_H_

#include <sys/uio.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/base/thread_annotations.h"
#include "absl/types/span.h"

namespace rtparchive::container {

// The Status of a failed write to `path` with errno `error`: what to do
// about a full disk or a file size limit is in the message.
absl::Status FileWriteError(const std::string& path, int error);

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes at the current position, overwriting or extending.
  virtual absl::Status Write(absl::Span<const uint8_t> bytes) = 0;
  // Moves the write position; must be within what was written.
  virtual absl::Status Seek(uint64_t position) = 0;
  virtual uint64_t position() const = 0;
  // Hands what is buffered to the operating system, so a process killed
  // after it leaves those bytes in the file.
  virtual absl::Status Flush() { return absl::OkStatus(); }
  // Flushes and closes; no write after it.
  virtual absl::Status Close() = 0;
  // What to call this sink in error messages (a file path).
  virtual std::string name() const = 0;
  // CRC-32 (IEEE 802.3) of everything written, once closed; nullopt when
  // the sink does not keep one.
  virtual std::optional<uint32_t> contents_crc32() const { return std::nullopt; }
  // Takes byte blocks (a cluster's frames) that the writes which follow
  // will name: a sink may then refer to them instead of copying them. This
  // one keeps them until the next Adopt, long enough for those writes.
  virtual void Adopt(std::vector<std::vector<uint8_t>> blocks) { adopted_ = std::move(blocks); }

 private:
  std::vector<std::vector<uint8_t>> adopted_;
};

struct FileSinkOptions {
  size_t buffer_bytes = 1 << 20;
  // Bytes left free at the start of the file, before the sink's bytes, for
  // whoever uses the file next (an archive writes a ZIP entry's header
  // there, so that the file becomes part of the ZIP without a copy).
  // Positions and the CRC are of the sink's bytes alone.
  uint64_t leading_room = 0;
  // Sum the CRC-32 of the contents as they are written, so that a later
  // checksum (ZIP's, gzip's) need not read the file again.
  bool sum_crc32 = false;
};

// Writes a file through a buffer of `buffer_bytes` bytes and, when asked,
// keeps the CRC-32 of its contents as they are written. Containers rewrite
// their head (sizes, index, tracks) at the end: the first kRewritableBytes
// are kept in memory for that; past them, bytes written once and in order
// are summed as they go, and an overwrite there leaves the CRC unknown.
//
// A full buffer is written by the sink's own thread while the caller fills
// the next one, so recording goes on while the kernel copies (at most one
// buffer in flight; Flush waits for the one before). A write that failed
// there is reported by the next Flush, Write or Close. A write of an
// adopted block is not copied into the buffer: the buffer refers to the
// block, which the thread writes from (pwritev) and then frees.
class FileSink : public ByteSink {
 public:
  // Creates or truncates `path`.
  static absl::StatusOr<std::unique_ptr<FileSink>> Create(const std::string& path,
                                                          const FileSinkOptions& options = {});
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  absl::Status Write(absl::Span<const uint8_t> bytes) override;
  absl::Status Seek(uint64_t position) override;
  uint64_t position() const override { return file_position_ + pending_.size; }
  absl::Status Flush() override;
  absl::Status Close() override;
  std::string name() const override { return path_; }
  std::optional<uint32_t> contents_crc32() const override;
  void Adopt(std::vector<std::vector<uint8_t>> blocks) override;

  static constexpr uint64_t kRewritableBytes = 4096;

 private:
  // Bytes to write in order: copies kept in `copied`, and adopted blocks.
  struct Batch {
    struct Piece {
      const uint8_t* adopted;  // null: copied[offset, offset + size)
      size_t offset;
      size_t size;
    };
    std::vector<uint8_t> copied;
    std::vector<Piece> pieces;
    std::vector<std::vector<uint8_t>> adopted;  // owned until written
    size_t size = 0;                             // of all pieces

    void Clear();
  };

  FileSink(std::string path, int fd, const FileSinkOptions& options);
  // Writes, sums and starts writeback of a batch at `position` (of the
  // sink's bytes): on the writer thread, or on the caller's while it is idle.
  absl::Status WriteBatch(const Batch& batch, uint64_t position);
  // pwritev of `pieces` at file offset `at` (the pieces are used up).
  absl::Status WritePieces(absl::Span<iovec> pieces, uint64_t at);
  absl::Status WriteAt(const uint8_t* data, size_t size, uint64_t position);
  void SumContents(const uint8_t* data, size_t size, uint64_t position);
  void StartWriteback(uint64_t written_to);
  void WriterLoop();
  // Waits until no buffer is in flight; the first failure of the writer thread.
  absl::Status WaitIdle();

  static constexpr uint64_t kWritebackStep = 8 << 20;

  std::string path_;
  int fd_;
  size_t buffer_capacity_;
  uint64_t data_offset_;
  bool sum_crc32_;
  Batch pending_;
  size_t adopted_named_ = 0;     // pending_.adopted before this were named by writes
  uint64_t file_position_ = 0;  // where pending_ starts in the file

  // std::mutex, not absl::Mutex: ThreadSanitizer sees pthread locks, but not
  // those of an Abseil built without it (Debian's), and the node's test
  // runs under it.
  std::mutex mu_;
  std::condition_variable changed_;       // busy_ or stopping_ changed
  Batch in_flight_ ABSL_GUARDED_BY(mu_);  // the batch being written
  uint64_t in_flight_position_ ABSL_GUARDED_BY(mu_) = 0;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status writer_status_ ABSL_GUARDED_BY(mu_);
  std::thread writer_;

  // Only WriteAt touches these (one thread at a time, in write order).
  std::vector<uint8_t> head_;  // the file's first kRewritableBytes as written last
  uint32_t tail_crc32_ = 0;    // of the bytes from kRewritableBytes on
  uint64_t tail_size_ = 0;
  bool tail_in_order_ = true;       // false once a byte past the head was overwritten
  uint64_t writeback_started_ = 0;  // file bytes before this were handed to writeback
};

// Keeps everything in memory (tests, small outputs).
class MemorySink : public ByteSink {
 public:
  absl::Status Write(absl::Span<const uint8_t> bytes) override;
  absl::Status Seek(uint64_t position) override;
  uint64_t position() const override { return position_; }
  absl::Status Close() override { return absl::OkStatus(); }
  std::string name() const override { return "memory"; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  uint64_t position_ = 0;
};

}  // namespace rtparchive::container

#endif  // RTPARCHIVE_CONTAINER_BYTE_SINK_H_
