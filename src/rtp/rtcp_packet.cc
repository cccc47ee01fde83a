#include "rtp/rtcp_packet.h"

#include "base/byte_reader.h"

namespace rtparchive::rtp {
namespace {

constexpr uint8_t kSenderReport = 200;
constexpr uint8_t kSourceDescription = 202;
constexpr uint8_t kBye = 203;
constexpr uint8_t kSdesCname = 1;

// SR body after the header: sender SSRC, NTP (64), RTP timestamp, packet and
// octet counts; report blocks follow and are not needed here.
RtcpError ParseSenderReport(absl::Span<const uint8_t> body, RtcpCompound* out) {
  ByteReader reader(body);
  SenderReport report;
  uint32_t ntp_seconds = 0, ntp_fraction = 0;
  if (!reader.ReadU32(&report.ssrc) || !reader.ReadU32(&ntp_seconds) ||
      !reader.ReadU32(&ntp_fraction) || !reader.ReadU32(&report.rtp_timestamp) ||
      !reader.ReadU32(&report.packet_count) || !reader.ReadU32(&report.octet_count)) {
    return RtcpError::kBadSenderReport;
  }
  report.ntp_time = uint64_t{ntp_seconds} << 32 | ntp_fraction;
  out->sender_reports.push_back(report);
  return RtcpError::kNone;
}

// SDES (RFC 3550 §6.5): `count` chunks of SSRC + items (type, length, text),
// each chunk ended by a zero type and padded to 32 bits.
RtcpError ParseSdes(int count, absl::Span<const uint8_t> body, RtcpCompound* out) {
  ByteReader reader(body);
  for (int chunk = 0; chunk < count; ++chunk) {
    uint32_t ssrc = 0;
    if (!reader.ReadU32(&ssrc)) return RtcpError::kBadSdes;
    while (true) {
      uint8_t type = 0, length = 0;
      if (!reader.ReadU8(&type)) return RtcpError::kBadSdes;
      if (type == 0) break;
      absl::Span<const uint8_t> text;
      if (!reader.ReadU8(&length) || !reader.ReadBytes(length, &text)) return RtcpError::kBadSdes;
      if (type == kSdesCname) {
        out->cnames.push_back({ssrc, std::string(text.begin(), text.end())});
      }
    }
    reader.Skip((4 - reader.position() % 4) % 4);  // chunk padding; may end the packet
  }
  return RtcpError::kNone;
}

}  // namespace

const char* ToString(RtcpError error) {
  switch (error) {
    case RtcpError::kNone:
      return "none";
    case RtcpError::kTooShort:
      return "rtcp_too_short";
    case RtcpError::kBadVersion:
      return "rtcp_bad_version";
    case RtcpError::kLengthPastEnd:
      return "rtcp_length_past_end";
    case RtcpError::kBadSenderReport:
      return "rtcp_bad_sender_report";
    case RtcpError::kBadSdes:
      return "rtcp_bad_sdes";
  }
  return "unknown";
}

RtcpError ParseRtcpCompound(absl::Span<const uint8_t> datagram, RtcpCompound* out) {
  ByteReader reader(datagram);
  if (reader.remaining() < 8) return RtcpError::kTooShort;
  bool first = true;
  while (reader.remaining() > 0) {
    uint8_t header = 0, type = 0;
    uint16_t words = 0;
    if (!reader.ReadU8(&header) || !reader.ReadU8(&type) || !reader.ReadU16(&words)) {
      return RtcpError::kTooShort;
    }
    if ((header >> 6) != 2) return RtcpError::kBadVersion;
    absl::Span<const uint8_t> body;
    if (!reader.ReadBytes(size_t{words} * 4, &body)) return RtcpError::kLengthPastEnd;
    if (header & 0x20) {
      // Padding: the last byte counts the padding bytes (RFC 3550 §6.4.1).
      const size_t padding = body.empty() ? 0 : body.back();
      if (padding == 0 || padding > body.size()) return RtcpError::kLengthPastEnd;
      body = body.first(body.size() - padding);
    }
    if (first && body.size() >= 4) {
      out->sender_ssrc =
          uint32_t{body[0]} << 24 | uint32_t{body[1]} << 16 | uint32_t{body[2]} << 8 | body[3];
    }
    first = false;
    const int count = header & 0x1f;
    RtcpError error = RtcpError::kNone;
    if (type == kSenderReport) {
      error = ParseSenderReport(body, out);
    } else if (type == kSourceDescription) {
      error = ParseSdes(count, body, out);
    } else if (type == kBye) {
      ByteReader bye(body);
      uint32_t ssrc = 0;
      for (int i = 0; i < count && bye.ReadU32(&ssrc); ++i) out->byes.push_back(ssrc);
    }
    if (error != RtcpError::kNone) return error;
  }
  return RtcpError::kNone;
}

int64_t NtpToUnixMicros(uint64_t ntp_time) {
  constexpr int64_t kNtpToUnixSeconds = 2208988800;
  const int64_t seconds = static_cast<int64_t>(ntp_time >> 32) - kNtpToUnixSeconds;
  const int64_t micros = static_cast<int64_t>(((ntp_time & 0xffffffff) * 1'000'000) >> 32);
  return seconds * 1'000'000 + micros;
}

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |V=2|P| FMT=1 |    PT=206     |          length=2             |
// |                  SSRC of packet sender                        |
// |                  SSRC of media source                         |
std::vector<uint8_t> BuildPli(uint32_t sender_ssrc, uint32_t media_ssrc) {
  std::vector<uint8_t> packet = {0x81, 206, 0, 2};
  for (uint32_t value : {sender_ssrc, media_ssrc}) {
    for (int shift : {24, 16, 8, 0}) packet.push_back(static_cast<uint8_t>(value >> shift));
  }
  return packet;
}

}  // namespace rtparchive::rtp
