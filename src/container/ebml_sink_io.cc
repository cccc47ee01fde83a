#include "container/ebml_sink_io.h"

namespace rtparchive::container {

void EbmlSinkIo::Check(absl::Status status) {
  if (status.ok()) return;
  if (status_.ok()) status_ = status;
  throw SinkWriteError(std::string(status.message()));
}

uint32_t EbmlSinkIo::read(void*, size_t) {
  Check(absl::UnimplementedError("the segment writer does not read back"));
  return 0;
}

void EbmlSinkIo::setFilePointer(int64_t offset, libebml::seek_mode mode) {
  uint64_t target = static_cast<uint64_t>(offset);
  if (mode == libebml::seek_current) target = sink_->position() + offset;
  if (mode == libebml::seek_end) {
    Check(absl::UnimplementedError("seek from the end is not supported"));
  }
  Check(sink_->Seek(target));
}

size_t EbmlSinkIo::write(const void* buffer, size_t size) {
  Check(sink_->Write(absl::MakeConstSpan(static_cast<const uint8_t*>(buffer), size)));
  return size;
}

}  // namespace rtparchive::container
