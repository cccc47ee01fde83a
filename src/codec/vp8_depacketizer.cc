#include "codec/vp8_depacketizer.h"

#include "base/byte_reader.h"

namespace rtparchive::codec {

// RFC 7741 §4.2, the VP8 payload descriptor:
//       0 1 2 3 4 5 6 7
//      +-+-+-+-+-+-+-+-+
//      |X|R|N|S|R| PID | (REQUIRED)
//      +-+-+-+-+-+-+-+-+
// X:   |I|L|T|K| RSV   | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// I:   |M| PictureID   | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
//      |   PictureID   | (present when M: 15-bit PictureID)
//      +-+-+-+-+-+-+-+-+
// L:   |   TL0PICIDX   | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
//      +-+-+-+-+-+-+-+-+
// A frame starts where S=1 and PID=0; its first payload byte's lowest bit (P)
// is 0 for a keyframe (RFC 7741 §4.3). The marker bit ends a frame.
PayloadError Vp8Depacketizer::Parse(absl::Span<const uint8_t> payload, bool marker,
                                    PayloadInfo* info) const {
  if (payload.empty()) return PayloadError::kEmpty;
  ByteReader reader(payload);
  uint8_t required = 0;
  reader.ReadU8(&required);
  const bool extended = required & 0x80;
  const bool start_of_partition = required & 0x10;
  const int partition_index = required & 0x07;
  info->Clear();
  if (extended) {
    uint8_t extension = 0;
    if (!reader.ReadU8(&extension)) return PayloadError::kTruncatedDescriptor;
    const bool has_picture_id = extension & 0x80;
    const bool has_tl0_pic_idx = extension & 0x40;
    const bool has_tid = extension & 0x20;
    const bool has_key_idx = extension & 0x10;
    if (has_picture_id) {
      uint8_t first = 0;
      if (!reader.ReadU8(&first)) return PayloadError::kTruncatedDescriptor;
      if (first & 0x80) {
        uint8_t second = 0;
        if (!reader.ReadU8(&second)) return PayloadError::kTruncatedDescriptor;
        info->frame_number = FrameNumber{uint32_t{first & 0x7fu} << 8 | second, 1u << 15};
      } else {
        info->frame_number = FrameNumber{first, 1u << 7};
      }
    }
    if (has_tl0_pic_idx && !reader.Skip(1)) return PayloadError::kTruncatedDescriptor;
    if ((has_tid || has_key_idx) && !reader.Skip(1)) return PayloadError::kTruncatedDescriptor;
  }
  if (reader.remaining() == 0) return PayloadError::kNoFrameData;
  info->data = reader.rest();
  info->starts_frame = start_of_partition && partition_index == 0;
  info->ends_frame = marker;
  info->keyframe = info->starts_frame && (info->data[0] & 0x01) == 0;
  return PayloadError::kNone;
}

// RFC 6386 §9.1: a keyframe begins with a 3-byte frame tag, the start code
// 9d 01 2a, then 16-bit little-endian width and height, each with 2 bits of
// scaling on top.
std::optional<VideoSize> Vp8Depacketizer::KeyframeSize(absl::Span<const uint8_t> frame) const {
  ByteReader reader(frame);
  uint8_t tag = 0;
  uint32_t start_code = 0;
  uint16_t width = 0, height = 0;
  if (!reader.ReadU8(&tag) || (tag & 0x01) != 0 || !reader.Skip(2) ||
      !reader.ReadU24(&start_code) || start_code != 0x9d012a || !reader.ReadU16Le(&width) ||
      !reader.ReadU16Le(&height)) {
    return std::nullopt;
  }
  const VideoSize size{width & 0x3fff, height & 0x3fff};
  if (size.width == 0 || size.height == 0) return std::nullopt;
  return size;
}

}  // namespace rtparchive::codec
