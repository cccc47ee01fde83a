// Parses a compound RTCP packet (RFC 3550 §6) into what rtparchive uses:
// sender reports (RTP <-> NTP time pairs), SDES CNAMEs (which tracks belong to
// one publisher) and BYEs. Other packet types are skipped by their length.
//
// Each packet:
//  0                   1                   2                   3
// |V=2|P|    RC   |   PT          |             length            |
// length = size in 32-bit words minus one.
#ifndef RTPARCHIVE_RTP_RTCP_PACKET_H_
#define RTPARCHIVE_RTP_RTCP_PACKET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"

namespace rtparchive::rtp {

struct SenderReport {
  uint32_t ssrc = 0;
  uint64_t ntp_time = 0;  // 32.32 fixed point, seconds since 1900
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
};

struct SourceName {
  uint32_t ssrc = 0;
  std::string cname;
};

struct RtcpCompound {
  uint32_t sender_ssrc = 0;  // SSRC of the first packet
  std::vector<SenderReport> sender_reports;
  std::vector<SourceName> cnames;
  std::vector<uint32_t> byes;
};

enum class RtcpError {
  kNone,
  kTooShort,
  kBadVersion,
  kLengthPastEnd,    // a packet's length field runs past the datagram
  kBadSenderReport,  // SR shorter than its fixed part
  kBadSdes,          // an SDES chunk or item runs past its packet
};
const char* ToString(RtcpError error);

// Parses all packets of `datagram`; on error, what was parsed before the bad
// packet is kept in `out`.
RtcpError ParseRtcpCompound(absl::Span<const uint8_t> datagram, RtcpCompound* out);

// Seconds since the Unix epoch, in µs, of an NTP 32.32 timestamp.
int64_t NtpToUnixMicros(uint64_t ntp_time);

// A Picture Loss Indication (RFC 4585 §6.3.1) from `sender_ssrc` asking the
// sender of `media_ssrc` for a keyframe.
std::vector<uint8_t> BuildPli(uint32_t sender_ssrc, uint32_t media_ssrc);

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_RTCP_PACKET_H_
