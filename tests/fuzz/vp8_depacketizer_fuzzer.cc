// Fuzz target: VP8 payload descriptor and keyframe header (RFC 7741).
#include <cstdint>
#include <cstdlib>

#include "codec/vp8_depacketizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rtparchive::codec::Vp8Depacketizer vp8;
  const absl::Span<const uint8_t> payload(data, size);
  for (bool marker : {false, true}) {
    rtparchive::codec::PayloadInfo info;
    if (vp8.Parse(payload, marker, &info) != rtparchive::codec::PayloadError::kNone) continue;
    if (info.data.empty() || info.data.data() < data ||
        info.data.data() + info.data.size() > data + size) {
      std::abort();
    }
    if (info.ends_frame != marker) std::abort();
    if (auto frame_size = vp8.KeyframeSize(info.data)) {
      if (frame_size->width <= 0 || frame_size->height <= 0) std::abort();
    }
  }
  return 0;
}
