// A bounds-checked cursor over untrusted bytes. Every read says whether the
// bytes were there; a failed read leaves the cursor where it was, so a parser
// can report exactly where input ended.
#ifndef RTPARCHIVE_BASE_BYTE_READER_H_
#define RTPARCHIVE_BASE_BYTE_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/types/span.h"

namespace rtparchive {

class ByteReader {
 public:
  explicit ByteReader(absl::Span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - position_; }
  size_t position() const { return position_; }
  // The bytes not read yet.
  absl::Span<const uint8_t> rest() const { return bytes_.subspan(position_); }

  bool ReadU8(uint8_t* value);
  bool ReadU16(uint16_t* value);  // big-endian (network order)
  bool ReadU24(uint32_t* value);  // big-endian
  bool ReadU32(uint32_t* value);  // big-endian
  bool ReadU16Le(uint16_t* value);
  bool ReadU32Le(uint32_t* value);
  // Hands out the next `size` bytes without copying them.
  bool ReadBytes(size_t size, absl::Span<const uint8_t>* value);
  bool Skip(size_t size);

 private:
  absl::Span<const uint8_t> bytes_;
  size_t position_ = 0;
};

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_BYTE_READER_H_
