// What an upload reads: a sized source of bytes read at any offset, so parts
// can be read in parallel and read again for a retry: a file, or pieces of
// files with bytes between them (a recording node's archive ZIP, which is
// its segment files and the ZIP headers, never copied into one file). An
// encrypting stream (archives encrypted at rest) can stand in front of
// either with the same interface.
#ifndef RTPARCHIVE_STORAGE_BYTE_SOURCE_H_
#define RTPARCHIVE_STORAGE_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

// Bytes held in memory (path empty), or `size` bytes of the file at `path`
// from `offset`.
struct SourcePiece {
  std::string bytes;
  std::string path;
  uint64_t offset = 0;
  uint64_t size = 0;
};

class PiecesSource : public ByteSource {
 public:
  // Opens every file now (a file removed later stays readable);
  // DataLoss when one is shorter than its piece needs.
  static absl::StatusOr<std::unique_ptr<PiecesSource>> Open(std::vector<SourcePiece> pieces,
                                                            std::string name);
  ~PiecesSource() override;
  PiecesSource(const PiecesSource&) = delete;
  PiecesSource& operator=(const PiecesSource&) = delete;

  uint64_t size() const override { return size_; }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, uint8_t* out, size_t length) const override;
  std::string name() const override { return name_; }

 private:
  PiecesSource() = default;
  std::vector<SourcePiece> pieces_;
  std::vector<uint64_t> starts_;  // where each piece begins in the whole
  std::vector<int> fds_;          // per piece; -1 for bytes
  std::string name_;
  uint64_t size_ = 0;
};

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_BYTE_SOURCE_H_
