#include "rtp/header_extensions.h"

namespace rtparchive::rtp {

std::optional<int> ParseVideoOrientation(absl::Span<const uint8_t> element) {
  if (element.empty()) return std::nullopt;
  return (element[0] & 0x03) * 90;
}

std::optional<std::string> ParseMid(absl::Span<const uint8_t> element) {
  if (element.empty()) return std::nullopt;
  for (uint8_t c : element) {
    if (c < 0x21 || c > 0x7e) return std::nullopt;
  }
  return std::string(element.begin(), element.end());
}

}  // namespace rtparchive::rtp
