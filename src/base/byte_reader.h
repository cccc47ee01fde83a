// A bounds-checked cursor over untrusted bytes. Every read says whether the
// bytes were there; a failed read leaves the cursor where it was, so a parser
// can report exactly where input ended. Defined in this header so that the
// parsers' many small reads are inlined.
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

inline bool ByteReader::ReadU8(uint8_t* value) {
  if (remaining() < 1) return false;
  *value = bytes_[position_++];
  return true;
}

inline bool ByteReader::ReadU16(uint16_t* value) {
  if (remaining() < 2) return false;
  *value = static_cast<uint16_t>(bytes_[position_] << 8 | bytes_[position_ + 1]);
  position_ += 2;
  return true;
}

inline bool ByteReader::ReadU24(uint32_t* value) {
  if (remaining() < 3) return false;
  *value = uint32_t{bytes_[position_]} << 16 | uint32_t{bytes_[position_ + 1]} << 8 |
           bytes_[position_ + 2];
  position_ += 3;
  return true;
}

inline bool ByteReader::ReadU32(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = uint32_t{bytes_[position_]} << 24 | uint32_t{bytes_[position_ + 1]} << 16 |
           uint32_t{bytes_[position_ + 2]} << 8 | bytes_[position_ + 3];
  position_ += 4;
  return true;
}

inline bool ByteReader::ReadU16Le(uint16_t* value) {
  if (remaining() < 2) return false;
  *value = static_cast<uint16_t>(bytes_[position_] | bytes_[position_ + 1] << 8);
  position_ += 2;
  return true;
}

inline bool ByteReader::ReadU32Le(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = uint32_t{bytes_[position_]} | uint32_t{bytes_[position_ + 1]} << 8 |
           uint32_t{bytes_[position_ + 2]} << 16 | uint32_t{bytes_[position_ + 3]} << 24;
  position_ += 4;
  return true;
}

inline bool ByteReader::ReadBytes(size_t size, absl::Span<const uint8_t>* value) {
  if (remaining() < size) return false;
  *value = bytes_.subspan(position_, size);
  position_ += size;
  return true;
}

inline bool ByteReader::Skip(size_t size) {
  if (remaining() < size) return false;
  position_ += size;
  return true;
}

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_BYTE_READER_H_
