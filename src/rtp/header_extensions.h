// Values of the RTP header extensions rtparchive reads (RFC 8285 elements,
// found with RtpPacketView::FindExtension under the ID the SDP maps).
#ifndef RTPARCHIVE_RTP_HEADER_EXTENSIONS_H_
#define RTPARCHIVE_RTP_HEADER_EXTENSIONS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/types/span.h"

namespace rtparchive::rtp {

// urn:3gpp:video-orientation (3GPP TS 26.114 §7.4.5): one byte 0000CFRR;
// RR is the rotation in quarter turns (WebRTC: clockwise, the rotation a
// player applies to show the picture upright). The camera (C) and flip (F)
// bits are not used. Nullopt for an empty element.
std::optional<int> ParseVideoOrientation(absl::Span<const uint8_t> element);

// urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843 §15.2): the media section's
// identification tag as text; nullopt when empty or not printable ASCII.
std::optional<std::string> ParseMid(absl::Span<const uint8_t> element);

// urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id and repaired-rtp-stream-id
// (RFC 8852 §3.1-3.2): a simulcast layer's RID, the same SDES text as a mid.
inline std::optional<std::string> ParseRtpStreamId(absl::Span<const uint8_t> element) {
  return ParseMid(element);
}

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_HEADER_EXTENSIONS_H_
