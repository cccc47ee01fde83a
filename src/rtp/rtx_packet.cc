#include "rtp/rtx_packet.h"

namespace rtparchive::rtp {

std::vector<uint8_t> RestoreRetransmission(const RtpPacketView& rtx, uint8_t payload_type,
                                           uint32_t media_ssrc) {
  const absl::Span<const uint8_t> header = rtx.header();
  const absl::Span<const uint8_t> payload = rtx.payload();
  std::vector<uint8_t> packet;
  packet.reserve(header.size() + payload.size() - 2);
  packet.insert(packet.end(), header.begin(), header.end());
  packet.insert(packet.end(), payload.begin() + 2, payload.end());
  packet[0] &= ~0x20;  // no padding
  packet[1] = static_cast<uint8_t>((packet[1] & 0x80) | (payload_type & 0x7f));
  packet[2] = payload[0];  // the original sequence number
  packet[3] = payload[1];
  packet[8] = static_cast<uint8_t>(media_ssrc >> 24);
  packet[9] = static_cast<uint8_t>(media_ssrc >> 16);
  packet[10] = static_cast<uint8_t>(media_ssrc >> 8);
  packet[11] = static_cast<uint8_t>(media_ssrc);
  return packet;
}

}  // namespace rtparchive::rtp
