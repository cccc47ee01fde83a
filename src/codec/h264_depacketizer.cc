#include "codec/h264_depacketizer.h"

#include "base/byte_reader.h"
#include "codec/h264_bitstream.h"

namespace rtparchive::codec {

// Every payload starts with a NAL unit header (RFC 6184 §5.3):
//   +---------------+
//   |0|1|2|3|4|5|6|7|
//   |F|NRI|  Type   |
// Type 1-23: a single NAL unit, the whole payload (§5.6).
// Type 24, STAP-A (§5.7.1): then repeated [16-bit size][NAL unit].
// Type 28, FU-A (§5.8): then the FU header |S|E|R|Type|, then a fragment of
// the NAL unit, whose header is F|NRI from the indicator and Type from the
// FU header.
PayloadError H264Depacketizer::Parse(absl::Span<const uint8_t> payload, bool marker,
                                     PayloadInfo* info) const {
  if (payload.empty()) return PayloadError::kEmpty;
  info->Clear();
  info->ends_frame = marker;
  const uint8_t header = payload[0];
  const uint8_t type = H264NalTypeOf(header);
  if (type >= 1 && type <= 23) {
    info->nal_pieces.push_back({payload, true, std::nullopt, true});
    info->keyframe = type == kH264Idr;
    return PayloadError::kNone;
  }
  if (type == kH264StapA) {
    ByteReader reader(payload.subspan(1));
    while (reader.remaining() > 0) {
      uint16_t size = 0;
      absl::Span<const uint8_t> nal;
      if (!reader.ReadU16(&size) || size == 0 || !reader.ReadBytes(size, &nal)) {
        return PayloadError::kTruncatedAggregate;
      }
      const uint8_t nal_type = H264NalTypeOf(nal[0]);
      if (nal_type == 0 || nal_type >= 24) return PayloadError::kUnsupportedNalType;
      info->nal_pieces.push_back({nal, true, std::nullopt, true});
      info->keyframe = info->keyframe || nal_type == kH264Idr;
    }
    if (info->nal_pieces.empty()) return PayloadError::kNoFrameData;
    return PayloadError::kNone;
  }
  if (type == kH264FuA) {
    if (payload.size() < 3) return PayloadError::kNoFrameData;
    const uint8_t fu_header = payload[1];
    const bool start = fu_header & 0x80;
    const bool end = fu_header & 0x40;
    const uint8_t nal_type = H264NalTypeOf(fu_header);
    if (nal_type == 0 || nal_type >= 24) return PayloadError::kUnsupportedNalType;
    const absl::Span<const uint8_t> fragment = payload.subspan(2);
    if (start) {
      info->nal_pieces.push_back(
          {fragment, true, static_cast<uint8_t>((header & 0xe0) | nal_type), end});
      info->keyframe = nal_type == kH264Idr;
    } else {
      info->nal_pieces.push_back({fragment, false, std::nullopt, end});
    }
    return PayloadError::kNone;
  }
  if (type == kH264StapB || type == kH264Mtap16 || type == kH264Mtap24 || type == kH264FuB) {
    return PayloadError::kUnsupportedPacketization;
  }
  return PayloadError::kUnsupportedNalType;  // 0, 30, 31
}

}  // namespace rtparchive::codec
