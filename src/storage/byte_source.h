// What an upload reads: a sized source of bytes read at any offset, so parts
// can be read in parallel and read again for a retry. A file is the one
// source today; an encrypting stream (archives encrypted at rest) can stand
// in front of it with the same interface.
#ifndef RTPARCHIVE_STORAGE_BYTE_SOURCE_H_
#define RTPARCHIVE_STORAGE_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace rtparchive::storage {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Reads up to `length` bytes at `offset` into `out`; fewer only at the end.
  // Thread-safe: parts are read from several threads at once.
  virtual absl::StatusOr<size_t> ReadAt(uint64_t offset, uint8_t* out, size_t length) const = 0;
  virtual std::string name() const = 0;
};

class FileSource : public ByteSource {
 public:
  static absl::StatusOr<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, uint8_t* out, size_t length) const override;
  std::string name() const override { return path_; }

 private:
  FileSource(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_BYTE_SOURCE_H_
