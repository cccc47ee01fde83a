// VP8 payloads (RFC 7741): reads the payload descriptor in all its variants
// and the payload header of a frame's first packet (key/inter frame).
#ifndef RTPARCHIVE_CODEC_VP8_DEPACKETIZER_H_
#define RTPARCHIVE_CODEC_VP8_DEPACKETIZER_H_

#include "codec/depacketizer.h"

namespace rtparchive::codec {

class Vp8Depacketizer : public Depacketizer {
 public:
  PayloadError Parse(absl::Span<const uint8_t> payload, bool marker,
                     PayloadInfo* info) const override;
  // Width and height from a VP8 keyframe header (RFC 6386 §9.1), without the
  // scaling bits; nullopt when `frame` is not a well-formed keyframe.
  std::optional<VideoSize> KeyframeSize(absl::Span<const uint8_t> frame) const override;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_VP8_DEPACKETIZER_H_
