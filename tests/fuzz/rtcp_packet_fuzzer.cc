// Fuzz target: compound RTCP (SR, SDES, BYE and skipped types).
#include <cstdint>
#include <cstdlib>

#include "rtp/rtcp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rtparchive::rtp::RtcpCompound compound;
  rtparchive::rtp::ParseRtcpCompound(absl::Span<const uint8_t>(data, size), &compound);
  // Every parsed item came from bytes that were there.
  if (compound.sender_reports.size() * 28 > size) std::abort();
  for (const auto& name : compound.cnames) {
    if (name.cname.size() > size) std::abort();
  }
  return 0;
}
