// Fuzz target: RTP header, CSRCs, RFC 8285 extensions and padding.
#include <cstdint>
#include <cstdlib>

#include "rtp/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rtparchive::rtp::RtpPacketView view;
  if (view.Parse(absl::Span<const uint8_t>(data, size)) != rtparchive::rtp::RtpError::kNone)
    return 0;
  const auto inside = [&](absl::Span<const uint8_t> span) {
    return span.empty() || (span.data() >= data && span.data() + span.size() <= data + size);
  };
  if (!inside(view.payload())) std::abort();
  for (int id = 1; id < 256; ++id) {
    if (!inside(view.FindExtension(static_cast<uint8_t>(id)))) std::abort();
  }
  for (int i = 0; i < view.csrc_count(); ++i) view.csrc(i);
  return 0;
}
