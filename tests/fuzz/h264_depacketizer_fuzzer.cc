// Fuzz target: H.264 payloads (RFC 6184) and, for every whole NAL unit in
// them, the SPS parser and avcC builder.
#include <cstdint>
#include <cstdlib>

#include "codec/h264_bitstream.h"
#include "codec/h264_depacketizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtparchive::codec;
  const absl::Span<const uint8_t> payload(data, size);
  PayloadInfo info;
  if (H264Depacketizer().Parse(payload, true, &info) == PayloadError::kNone) {
    for (const NalPiece& piece : info.nal_pieces) {
      if (piece.bytes.data() < data || piece.bytes.data() + piece.bytes.size() > data + size)
        std::abort();
    }
  }
  if (auto sps = ParseH264Sps(payload)) {
    if (sps->size.width <= 0 || sps->size.height <= 0) std::abort();
    BuildAvcc(payload, payload);
  }
  std::vector<uint8_t> frame(data, data + size);
  RemoveRepeatedParameterSets(&frame);
  if (frame.size() > size) std::abort();
  return 0;
}
