// Fuzz target: link-layer, IP and UDP decoding for every supported link type.
#include <cstdint>
#include <cstdlib>

#include "ingest/link_layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtparchive::ingest;
  const absl::Span<const uint8_t> frame(data, size);
  for (int link_type :
       {kLinkNull, kLinkEthernet, kLinkRaw, kLinkLoop, kLinkLinuxSll, kLinkLinuxSll2, kLinkIpv6}) {
    Datagram datagram;
    if (ParseLinkFrame(link_type, frame, &datagram) != FrameDrop::kNone) continue;
    // The payload must lie inside the frame.
    if (datagram.payload.data() < data ||
        datagram.payload.data() + datagram.payload.size() > data + size) {
      std::abort();
    }
  }
  return 0;
}
