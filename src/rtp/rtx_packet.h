// RTX retransmissions (RFC 4588 §4): an RTX packet carries, on its own SSRC
// and sequence numbers, the original packet's payload after a 2-byte
// original sequence number (OSN). Restoring it gives back the packet the
// media SSRC lost, so the reorder buffer can fill the hole.
#ifndef RTPARCHIVE_RTP_RTX_PACKET_H_
#define RTPARCHIVE_RTP_RTX_PACKET_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::rtp {

// Whether the RTX packet carries a retransmission at all: padding-only
// bandwidth probes have no OSN and no payload.
inline bool HasRetransmission(const RtpPacketView& rtx) { return rtx.payload().size() > 2; }

// The original packet: `rtx`'s header (marker, timestamp, CSRCs, header
// extensions) with the original payload type, sequence number and SSRC,
// and the payload after the OSN, without padding. Precondition:
// HasRetransmission(rtx).
std::vector<uint8_t> RestoreRetransmission(const RtpPacketView& rtx, uint8_t payload_type,
                                           uint32_t media_ssrc);

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_RTX_PACKET_H_
