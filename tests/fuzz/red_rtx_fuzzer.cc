// Fuzz target: what wraps the media in a browser's RTP: RED blocks (RFC
// 2198), RTX restoring (RFC 4588), and the header extension values read
// (video orientation, mid). The input is one RTP packet.
#include <cstdint>
#include <cstdlib>

#include "rtp/header_extensions.h"
#include "rtp/red_payload.h"
#include "rtp/rtp_packet.h"
#include "rtp/rtx_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtparchive::rtp;
  const absl::Span<const uint8_t> input(data, size);
  const auto inside = [](absl::Span<const uint8_t> outer, absl::Span<const uint8_t> span) {
    return span.empty() ||
           (span.data() >= outer.data() && span.data() + span.size() <= outer.data() + outer.size());
  };
  // The whole input as a RED payload.
  RedBlocks blocks;
  if (ParseRed(input, &blocks) == RedError::kNone) {
    if (blocks.empty() || blocks.size() > kMaxRedBlocks) std::abort();
    for (const RedBlock& block : blocks) {
      if (!inside(input, block.data) || block.payload_type > 127) std::abort();
    }
  }
  RtpPacketView view;
  if (view.Parse(input) != RtpError::kNone) return 0;
  for (int id = 1; id < 256; ++id) {
    const auto element = view.FindExtension(static_cast<uint8_t>(id));
    const auto rotation = ParseVideoOrientation(element);
    if (rotation && (*rotation < 0 || *rotation > 270)) std::abort();
    ParseMid(element);
  }
  if (!HasRetransmission(view)) return 0;
  const std::vector<uint8_t> restored = RestoreRetransmission(view, 118, 0x01020304);
  RtpPacketView original;
  if (original.Parse(restored) != RtpError::kNone) std::abort();
  if (original.payload().size() + 2 != view.payload().size()) std::abort();
  return 0;
}
