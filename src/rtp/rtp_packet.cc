#include "rtp/rtp_packet.h"

#include "base/byte_reader.h"

namespace rtparchive::rtp {
namespace {

constexpr uint16_t kOneByteProfile = 0xBEDE;
constexpr uint16_t kTwoByteProfileMask = 0xFFF0;
constexpr uint16_t kTwoByteProfile = 0x1000;

// Walks RFC 8285 elements. `visit(id, data)` returns true to stop early.
// Returns false when an element runs past the block.
template <typename Visit>
bool WalkExtensions(uint16_t profile, absl::Span<const uint8_t> block, Visit visit) {
  const bool one_byte = profile == kOneByteProfile;
  const bool two_byte = (profile & kTwoByteProfileMask) == kTwoByteProfile;
  if (!one_byte && !two_byte) return true;  // another profile: opaque data
  ByteReader reader(block);
  while (reader.remaining() > 0) {
    uint8_t first = 0;
    reader.ReadU8(&first);
    if (first == 0) continue;  // padding between elements
    uint8_t id = 0;
    size_t size = 0;
    if (one_byte) {
      id = first >> 4;
      if (id == 15) return true;  // reserved: stop parsing (RFC 8285 §4.2)
      size = (first & 0x0f) + 1u;
    } else {
      uint8_t length = 0;
      if (!reader.ReadU8(&length)) return false;
      id = first;
      size = length;
    }
    absl::Span<const uint8_t> data;
    if (!reader.ReadBytes(size, &data)) return false;
    if (visit(id, data)) return true;
  }
  return true;
}

}  // namespace

const char* ToString(RtpError error) {
  switch (error) {
    case RtpError::kNone:
      return "none";
    case RtpError::kTooShort:
      return "rtp_too_short";
    case RtpError::kBadVersion:
      return "rtp_bad_version";
    case RtpError::kCsrcPastEnd:
      return "rtp_csrc_past_end";
    case RtpError::kExtensionPastEnd:
      return "rtp_extension_past_end";
    case RtpError::kBadExtensionElement:
      return "rtp_bad_extension_element";
    case RtpError::kBadPadding:
      return "rtp_bad_padding";
  }
  return "unknown";
}

RtpError RtpPacketView::Parse(absl::Span<const uint8_t> packet) {
  *this = RtpPacketView();
  ByteReader reader(packet);
  uint8_t first = 0, second = 0;
  if (!reader.ReadU8(&first) || !reader.ReadU8(&second) || !reader.ReadU16(&sequence_number_) ||
      !reader.ReadU32(&timestamp_) || !reader.ReadU32(&ssrc_)) {
    return RtpError::kTooShort;
  }
  if ((first >> 6) != 2) return RtpError::kBadVersion;
  const bool has_padding = first & 0x20;
  const bool has_extension = first & 0x10;
  csrc_count_ = first & 0x0f;
  marker_ = second & 0x80;
  payload_type_ = second & 0x7f;
  if (!reader.Skip(4u * csrc_count_)) return RtpError::kCsrcPastEnd;
  if (has_extension) {
    uint16_t words = 0;
    if (!reader.ReadU16(&extension_profile_) || !reader.ReadU16(&words)) {
      return RtpError::kExtensionPastEnd;
    }
    extension_offset_ = reader.position();
    extension_size_ = 4u * words;
    absl::Span<const uint8_t> block;
    if (!reader.ReadBytes(extension_size_, &block)) return RtpError::kExtensionPastEnd;
    if (!WalkExtensions(extension_profile_, block, [](uint8_t, auto) { return false; })) {
      return RtpError::kBadExtensionElement;
    }
  }
  payload_offset_ = reader.position();
  payload_size_ = reader.remaining();
  if (has_padding) {
    // The last byte counts the padding bytes, itself included (RFC 3550 §5.1).
    padding_size_ = payload_size_ == 0 ? 0 : packet[packet.size() - 1];
    if (padding_size_ == 0 || padding_size_ > payload_size_) return RtpError::kBadPadding;
    payload_size_ -= padding_size_;
  }
  packet_ = packet;
  return RtpError::kNone;
}

uint32_t RtpPacketView::csrc(int index) const {
  ByteReader reader(packet_.subspan(12 + 4 * static_cast<size_t>(index)));
  uint32_t value = 0;
  reader.ReadU32(&value);
  return value;
}

absl::Span<const uint8_t> RtpPacketView::FindExtension(uint8_t id) const {
  absl::Span<const uint8_t> found;
  if (extension_size_ == 0) return found;
  WalkExtensions(extension_profile_, packet_.subspan(extension_offset_, extension_size_),
                 [&](uint8_t element_id, absl::Span<const uint8_t> data) {
                   if (element_id != id) return false;
                   found = data;
                   return true;
                 });
  return found;
}

bool LooksLikeRtcp(absl::Span<const uint8_t> packet) {
  return packet.size() >= 4 && (packet[0] >> 6) == 2 && packet[1] >= 192 && packet[1] <= 223;
}

bool LooksLikeRtpOrRtcp(absl::Span<const uint8_t> packet) {
  return packet.size() >= 8 && (packet[0] >> 6) == 2;
}

}  // namespace rtparchive::rtp
