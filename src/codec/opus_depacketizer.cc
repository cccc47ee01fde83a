#include "codec/opus_depacketizer.h"

namespace rtparchive::codec {

PayloadError OpusDepacketizer::Parse(absl::Span<const uint8_t> payload, bool /*marker*/,
                                     PayloadInfo* info) const {
  // An empty payload is not an Opus packet (RFC 6716 §3.4, R1: at least the
  // TOC byte). The marker bit only flags a talkspurt's start (RFC 7587 §4.1).
  if (payload.empty()) return PayloadError::kEmpty;
  info->Clear();
  info->data = payload;
  info->starts_frame = true;
  info->ends_frame = true;
  info->keyframe = true;
  return PayloadError::kNone;
}

}  // namespace rtparchive::codec
