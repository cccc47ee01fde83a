// Fuzz target: Opus payloads (RFC 7587).
#include <cstdint>
#include <cstdlib>

#include "codec/opus_depacketizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rtparchive::codec::PayloadInfo info;
  const auto error = rtparchive::codec::OpusDepacketizer().Parse(
      absl::Span<const uint8_t>(data, size), false, &info);
  if ((error == rtparchive::codec::PayloadError::kNone) != (size > 0)) std::abort();
  if (error == rtparchive::codec::PayloadError::kNone && info.data.size() != size) std::abort();
  return 0;
}
