// A parsed view of one RTP packet (RFC 3550 §5.1) with its header extensions
// (RFC 8285). Parsing checks every length once and records offsets into the
// caller's buffer; the buffer must outlive the view.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// |                           timestamp                           |
// |           synchronization source (SSRC) identifier            |
// |            contributing source (CSRC) identifiers  (CC x 32)  |
// |  extension profile (if X)     |  extension length (32-bit words)
// |                 extension data ...                            |
// |                 payload ...           | padding | pad count   |
#ifndef RTPARCHIVE_RTP_RTP_PACKET_H_
#define RTPARCHIVE_RTP_RTP_PACKET_H_

#include <cstdint>

#include "absl/types/span.h"

namespace rtparchive::rtp {

enum class RtpError {
  kNone,
  kTooShort,             // fewer than 12 bytes
  kBadVersion,           // not version 2
  kCsrcPastEnd,          // CC says more CSRCs than the packet holds
  kExtensionPastEnd,     // the extension header or its length runs past the end
  kBadExtensionElement,  // an RFC 8285 element runs past its block
  kBadPadding,           // pad count 0 or larger than what follows the header
};
const char* ToString(RtpError error);

class RtpPacketView {
 public:
  // Parses `packet`; on failure the view is empty and the reason returned.
  RtpError Parse(absl::Span<const uint8_t> packet);

  bool marker() const { return marker_; }
  uint8_t payload_type() const { return payload_type_; }
  uint16_t sequence_number() const { return sequence_number_; }
  uint32_t timestamp() const { return timestamp_; }
  uint32_t ssrc() const { return ssrc_; }
  int csrc_count() const { return csrc_count_; }
  uint32_t csrc(int index) const;
  size_t padding_size() const { return padding_size_; }
  absl::Span<const uint8_t> payload() const {
    return packet_.subspan(payload_offset_, payload_size_);
  }
  // The whole packet, as given to Parse.
  absl::Span<const uint8_t> bytes() const { return packet_; }
  // Everything before the payload: fixed header, CSRCs, header extension.
  absl::Span<const uint8_t> header() const { return packet_.subspan(0, payload_offset_); }
  uint16_t extension_profile() const { return extension_profile_; }

  // The data of header extension element `id` (RFC 8285 one-byte or two-byte
  // form), or an empty span when absent. Zero-length two-byte elements are
  // indistinguishable from absent ones here.
  absl::Span<const uint8_t> FindExtension(uint8_t id) const;

 private:
  absl::Span<const uint8_t> packet_;
  bool marker_ = false;
  uint8_t payload_type_ = 0;
  uint16_t sequence_number_ = 0;
  uint32_t timestamp_ = 0;
  uint32_t ssrc_ = 0;
  int csrc_count_ = 0;
  uint16_t extension_profile_ = 0;
  size_t extension_offset_ = 0;  // start of the extension data
  size_t extension_size_ = 0;
  size_t payload_offset_ = 0;
  size_t payload_size_ = 0;
  size_t padding_size_ = 0;
};

// RFC 5761 §4: on a port that carries both, RTCP packet types 192-223 occupy
// the second byte where RTP has marker + payload type.
bool LooksLikeRtcp(absl::Span<const uint8_t> packet);
// Version 2 and at least an RTP or RTCP fixed header.
bool LooksLikeRtpOrRtcp(absl::Span<const uint8_t> packet);

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_RTP_PACKET_H_
