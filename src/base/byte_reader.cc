#include "base/byte_reader.h"

namespace rtparchive {

bool ByteReader::ReadU8(uint8_t* value) {
  if (remaining() < 1) return false;
  *value = bytes_[position_++];
  return true;
}

bool ByteReader::ReadU16(uint16_t* value) {
  if (remaining() < 2) return false;
  *value = static_cast<uint16_t>(bytes_[position_] << 8 | bytes_[position_ + 1]);
  position_ += 2;
  return true;
}

bool ByteReader::ReadU24(uint32_t* value) {
  if (remaining() < 3) return false;
  *value = uint32_t{bytes_[position_]} << 16 | uint32_t{bytes_[position_ + 1]} << 8 |
           bytes_[position_ + 2];
  position_ += 3;
  return true;
}

bool ByteReader::ReadU32(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = uint32_t{bytes_[position_]} << 24 | uint32_t{bytes_[position_ + 1]} << 16 |
           uint32_t{bytes_[position_ + 2]} << 8 | bytes_[position_ + 3];
  position_ += 4;
  return true;
}

bool ByteReader::ReadU16Le(uint16_t* value) {
  if (remaining() < 2) return false;
  *value = static_cast<uint16_t>(bytes_[position_] | bytes_[position_ + 1] << 8);
  position_ += 2;
  return true;
}

bool ByteReader::ReadU32Le(uint32_t* value) {
  if (remaining() < 4) return false;
  *value = uint32_t{bytes_[position_]} | uint32_t{bytes_[position_ + 1]} << 8 |
           uint32_t{bytes_[position_ + 2]} << 16 | uint32_t{bytes_[position_ + 3]} << 24;
  position_ += 4;
  return true;
}

bool ByteReader::ReadBytes(size_t size, absl::Span<const uint8_t>* value) {
  if (remaining() < size) return false;
  *value = bytes_.subspan(position_, size);
  position_ += size;
  return true;
}

bool ByteReader::Skip(size_t size) {
  if (remaining() < size) return false;
  position_ += size;
  return true;
}

}  // namespace rtparchive
