// The codec-specific part of turning RTP payloads into frames. A depacketizer
// is pure: it reads one payload and says where its frame data is and whether
// it starts or ends a frame; it keeps no state, does no I/O.
#ifndef RTPARCHIVE_CODEC_DEPACKETIZER_H_
#define RTPARCHIVE_CODEC_DEPACKETIZER_H_

#include <cstdint>
#include <optional>

#include "absl/types/span.h"
#include "codec/drop_reason.h"
#include "codec/encoded_frame.h"

namespace rtparchive::codec {

// A frame counter carried in the payload (VP8's PictureID), which lets lost
// whole frames be counted.
struct FrameNumber {
  uint32_t value = 0;
  uint32_t modulus = 0;  // 128 or 32768 for VP8
};

struct PayloadInfo {
  absl::Span<const uint8_t> data;  // frame bytes in this payload
  bool starts_frame = false;
  bool ends_frame = false;
  bool keyframe = false;           // meaningful when starts_frame
  std::optional<FrameNumber> frame_number;
};

class Depacketizer {
 public:
  virtual ~Depacketizer() = default;
  // `marker` is the RTP marker bit. On error `info` is unspecified.
  virtual PayloadError Parse(absl::Span<const uint8_t> payload, bool marker,
                             PayloadInfo* info) const = 0;
  // Picture size read from a complete keyframe, when the codec carries it.
  virtual std::optional<VideoSize> KeyframeSize(absl::Span<const uint8_t> /*frame*/) const {
    return std::nullopt;
  }
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_DEPACKETIZER_H_
