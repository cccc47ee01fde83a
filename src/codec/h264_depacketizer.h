// H.264 payloads (RFC 6184), packetization modes 0 and 1: single NAL unit
// packets, STAP-A aggregates and FU-A fragments. The interleaved mode's
// STAP-B, MTAP and FU-B, and the undefined NAL types 0, 30 and 31, are
// rejected with a reason.
#ifndef RTPARCHIVE_CODEC_H264_DEPACKETIZER_H_
#define RTPARCHIVE_CODEC_H264_DEPACKETIZER_H_

#include "codec/depacketizer.h"

namespace rtparchive::codec {

class H264Depacketizer : public Depacketizer {
 public:
  bool marks_frame_starts() const override { return false; }
  PayloadError Parse(absl::Span<const uint8_t> payload, bool marker,
                     PayloadInfo* info) const override;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_H264_DEPACKETIZER_H_
