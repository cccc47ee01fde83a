// Adapts a ByteSink to libebml's IOCallback. libebml reports write errors only
// by exception, so this adapter throws and remembers the sink's Status; the
// segment writer catches at its boundary and returns that Status. Reading is
// not supported: the writer never reads back.
#ifndef RTPARCHIVE_CONTAINER_EBML_SINK_IO_H_
#define RTPARCHIVE_CONTAINER_EBML_SINK_IO_H_

#include <ebml/IOCallback.h>

#include <stdexcept>

#include "absl/status/status.h"
#include "container/byte_sink.h"

namespace rtparchive::container {

class SinkWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class EbmlSinkIo : public libebml::IOCallback {
 public:
  explicit EbmlSinkIo(ByteSink* sink) : sink_(sink) {}

  uint32_t read(void* buffer, size_t size) override;
  void setFilePointer(int64_t offset, libebml::seek_mode mode) override;
  size_t write(const void* buffer, size_t size) override;
  uint64_t getFilePointer() override { return sink_->position(); }
  void close() override {}

  // The first failure of the sink, OK while there was none.
  const absl::Status& status() const { return status_; }

 private:
  void Check(absl::Status status);

  ByteSink* sink_;
  absl::Status status_;
};

}  // namespace rtparchive::container

#endif  // RTPARCHIVE_CONTAINER_EBML_SINK_IO_H_
