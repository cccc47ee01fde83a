// Opus payloads (RFC 7587 §4.2): one RTP payload is exactly one Opus packet,
// which is one frame of the track. Nothing to strip.
#ifndef RTPARCHIVE_CODEC_OPUS_DEPACKETIZER_H_
#define RTPARCHIVE_CODEC_OPUS_DEPACKETIZER_H_

#include "codec/depacketizer.h"

namespace rtparchive::codec {

class OpusDepacketizer : public Depacketizer {
 public:
  PayloadError Parse(absl::Span<const uint8_t> payload, bool marker,
                     PayloadInfo* info) const override;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_OPUS_DEPACKETIZER_H_
