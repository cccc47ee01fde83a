#include "ingest/link_layer.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "base/byte_reader.h"

namespace rtparchive::ingest {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeQinQ = 0x88a8;
constexpr uint8_t kIpProtocolUdp = 17;

// The IP version of a raw IP packet, or 0 when it is neither 4 nor 6.
int RawIpVersion(absl::Span<const uint8_t> packet) {
  if (packet.empty()) return 0;
  const int version = packet[0] >> 4;
  return version == 4 || version == 6 ? version : 0;
}

// UDP header (RFC 768): source port, destination port, length, checksum.
FrameDrop ParseUdp(absl::Span<const uint8_t> segment, Datagram* datagram) {
  ByteReader reader(segment);
  uint16_t length = 0;
  if (!reader.ReadU16(&datagram->flow.source.port) ||
      !reader.ReadU16(&datagram->flow.destination.port) || !reader.ReadU16(&length) ||
      !reader.Skip(2)) {
    return FrameDrop::kTruncatedUdp;
  }
  if (length < 8) return FrameDrop::kBadUdpLength;
  if (length > segment.size()) return FrameDrop::kTruncatedUdp;
  datagram->payload = segment.subspan(8, length - 8);
  return FrameDrop::kNone;
}

//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// |Version|  IHL  |Type of Service|          Total Length         |
// |         Identification        |Flags|      Fragment Offset    |
// |  Time to Live |    Protocol   |         Header Checksum       |
// |                       Source Address                          |
// |                    Destination Address                        |
// (RFC 791 §3.1)
FrameDrop ParseIpv4(absl::Span<const uint8_t> packet, Datagram* datagram) {
  if (packet.size() < 20) return FrameDrop::kTruncatedIpHeader;
  const size_t header_size = (packet[0] & 0x0fu) * 4u;
  const size_t total_size = size_t{packet[2]} << 8 | packet[3];
  if ((packet[0] >> 4) != 4 || header_size < 20) return FrameDrop::kBadIpHeader;
  if (packet.size() < header_size) return FrameDrop::kTruncatedIpHeader;
  if (total_size < header_size) return FrameDrop::kBadIpHeader;
  const bool more_fragments = packet[6] & 0x20;
  const size_t fragment_offset = (size_t{packet[6]} & 0x1f) << 8 | packet[7];
  if (more_fragments || fragment_offset != 0) return FrameDrop::kIpFragment;
  if (packet[9] != kIpProtocolUdp) return FrameDrop::kNotUdp;
  datagram->flow.source.ip_version = datagram->flow.destination.ip_version = 4;
  datagram->flow.source.address = {};
  datagram->flow.destination.address = {};
  std::memcpy(datagram->flow.source.address.data(), &packet[12], 4);
  std::memcpy(datagram->flow.destination.address.data(), &packet[16], 4);
  // Ethernet pads short frames: the IP total length says where data ends.
  // A capture cut short by its snap length leaves fewer bytes than that.
  const size_t end = total_size < packet.size() ? total_size : packet.size();
  return ParseUdp(packet.subspan(header_size, end - header_size), datagram);
}

// Fixed header (RFC 8200 §3), then extension headers until UDP.
FrameDrop ParseIpv6(absl::Span<const uint8_t> packet, Datagram* datagram) {
  if (packet.size() < 40) return FrameDrop::kTruncatedIpHeader;
  if ((packet[0] >> 4) != 6) return FrameDrop::kBadIpHeader;
  const size_t payload_size = size_t{packet[4]} << 8 | packet[5];
  uint8_t next_header = packet[6];
  datagram->flow.source.ip_version = datagram->flow.destination.ip_version = 6;
  std::memcpy(datagram->flow.source.address.data(), &packet[8], 16);
  std::memcpy(datagram->flow.destination.address.data(), &packet[24], 16);
  const size_t end = 40 + payload_size < packet.size() ? 40 + payload_size : packet.size();
  size_t offset = 40;
  // Hop-by-hop (0), routing (43) and destination options (60) are skipped;
  // a fragment header (44) means a fragment, which is not reassembled.
  for (int hops = 0; hops < 8; ++hops) {
    if (next_header == kIpProtocolUdp) {
      return ParseUdp(packet.subspan(offset, end - offset), datagram);
    }
    if (next_header == 44) return FrameDrop::kIpFragment;
    if (next_header != 0 && next_header != 43 && next_header != 60) return FrameDrop::kNotUdp;
    if (end < offset + 8) return FrameDrop::kTruncatedIpHeader;
    const size_t extension_size = (size_t{packet[offset + 1]} + 1) * 8;
    if (end < offset + extension_size) return FrameDrop::kTruncatedIpHeader;
    next_header = packet[offset];
    offset += extension_size;
  }
  return FrameDrop::kBadIpHeader;
}

FrameDrop ParseIp(int ip_version, absl::Span<const uint8_t> packet, Datagram* datagram) {
  if (ip_version == 4) return ParseIpv4(packet, datagram);
  if (ip_version == 6) return ParseIpv6(packet, datagram);
  return FrameDrop::kNotIp;
}

int EtherTypeToIpVersion(uint16_t ether_type) {
  if (ether_type == kEtherTypeIpv4) return 4;
  if (ether_type == kEtherTypeIpv6) return 6;
  return 0;
}

// Address families of the loopback headers: AF_INET is 2 everywhere; AF_INET6
// is 10 on Linux, 24, 28 or 30 on the BSDs and macOS.
int AddressFamilyToIpVersion(uint32_t family) {
  if (family == 2) return 4;
  if (family == 10 || family == 24 || family == 28 || family == 30) return 6;
  return 0;
}

}  // namespace

bool IsSupportedLinkType(int link_type) {
  switch (link_type) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawFile:
    case kLinkLoop:
    case kLinkLinuxSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkLinuxSll2:
      return true;
    default:
      return false;
  }
}

const char* ToString(FrameDrop drop) {
  switch (drop) {
    case FrameDrop::kNone:
      return "none";
    case FrameDrop::kTruncatedLinkHeader:
      return "truncated_link_header";
    case FrameDrop::kNotIp:
      return "not_ip";
    case FrameDrop::kTruncatedIpHeader:
      return "truncated_ip_header";
    case FrameDrop::kBadIpHeader:
      return "bad_ip_header";
    case FrameDrop::kIpFragment:
      return "ip_fragment";
    case FrameDrop::kNotUdp:
      return "not_udp";
    case FrameDrop::kTruncatedUdp:
      return "truncated_udp";
    case FrameDrop::kBadUdpLength:
      return "bad_udp_length";
  }
  return "unknown";
}

FrameDrop ParseLinkFrame(int link_type, absl::Span<const uint8_t> frame, Datagram* datagram) {
  ByteReader reader(frame);
  switch (link_type) {
    case kLinkEthernet: {
      // destination MAC, source MAC, then EtherType, possibly behind VLAN tags.
      uint16_t ether_type = 0;
      if (!reader.Skip(12) || !reader.ReadU16(&ether_type)) return FrameDrop::kTruncatedLinkHeader;
      while (ether_type == kEtherTypeVlan || ether_type == kEtherTypeQinQ) {
        if (!reader.Skip(2) || !reader.ReadU16(&ether_type)) return FrameDrop::kTruncatedLinkHeader;
      }
      return ParseIp(EtherTypeToIpVersion(ether_type), reader.rest(), datagram);
    }
    case kLinkLinuxSll: {
      // packet type, ARPHRD type, address length, 8-byte address, protocol.
      uint16_t protocol = 0;
      if (!reader.Skip(14) || !reader.ReadU16(&protocol)) return FrameDrop::kTruncatedLinkHeader;
      return ParseIp(EtherTypeToIpVersion(protocol), reader.rest(), datagram);
    }
    case kLinkLinuxSll2: {
      // protocol, reserved, interface index, ARPHRD, packet type, address
      // length, 8-byte address: 20 bytes.
      uint16_t protocol = 0;
      if (!reader.ReadU16(&protocol) || !reader.Skip(18)) return FrameDrop::kTruncatedLinkHeader;
      return ParseIp(EtherTypeToIpVersion(protocol), reader.rest(), datagram);
    }
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawFile:
    case kLinkIpv4:
    case kLinkIpv6:
      if (frame.empty()) return FrameDrop::kTruncatedLinkHeader;
      return ParseIp(RawIpVersion(frame), frame, datagram);
    case kLinkNull: {
      // The family is in the writer's byte order: accept either.
      uint32_t family = 0;
      if (!reader.ReadU32Le(&family)) return FrameDrop::kTruncatedLinkHeader;
      if (family > 0xffff) family = __builtin_bswap32(family);
      return ParseIp(AddressFamilyToIpVersion(family), reader.rest(), datagram);
    }
    case kLinkLoop: {
      uint32_t family = 0;
      if (!reader.ReadU32(&family)) return FrameDrop::kTruncatedLinkHeader;
      return ParseIp(AddressFamilyToIpVersion(family), reader.rest(), datagram);
    }
    default:
      return FrameDrop::kNotIp;
  }
}

std::string Endpoint::ToString() const {
  if (ip_version == 4) {
    return absl::StrFormat("%d.%d.%d.%d:%d", address[0], address[1], address[2], address[3], port);
  }
  std::string text = "[";
  for (int i = 0; i < 16; i += 2) {
    if (i) text += ":";
    text += absl::StrFormat("%x", address[i] << 8 | address[i + 1]);
  }
  return absl::StrFormat("%s]:%d", text, port);
}

std::string FiveTuple::ToString() const {
  return source.ToString() + " -> " + destination.ToString();
}

}  // namespace rtparchive::ingest
