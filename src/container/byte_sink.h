// The one narrow seam every container writes through: a file, a memory
// buffer, or (in tests) a sink that fails on purpose. Writes are buffered so
// the muxer's many small writes become few large system calls.
#ifndef RTPARCHIVE_CONTAINER_BYTE_SINK_H_
#define RTPARCHIVE_CONTAINER_BYTE_SINK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace rtparchive::container {

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
};

// Writes a file through a buffer of `buffer_size` bytes.
class FileSink : public ByteSink {
 public:
  // Creates or truncates `path`.
  static absl::StatusOr<std::unique_ptr<FileSink>> Create(const std::string& path,
                                                          size_t buffer_size = 1 << 20);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  absl::Status Write(absl::Span<const uint8_t> bytes) override;
  absl::Status Seek(uint64_t position) override;
  uint64_t position() const override { return file_position_ + buffer_.size(); }
  absl::Status Flush() override;
  absl::Status Close() override;
  std::string name() const override { return path_; }

 private:
  FileSink(std::string path, int fd, size_t buffer_size);
  absl::Status WriteAt(const uint8_t* data, size_t size, uint64_t position);

  std::string path_;
  int fd_;
  size_t buffer_capacity_;
  std::vector<uint8_t> buffer_;
  uint64_t file_position_ = 0;  // where buffer_ starts in the file
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
