// Decodes one captured link-layer frame down to its UDP payload: Ethernet
// (with VLAN tags), Linux cooked capture v1 and v2, raw IP, BSD loopback
// (DLT_NULL / DLT_LOOP); then IPv4 or IPv6, then UDP. Pure: no I/O, no state.
#ifndef RTPARCHIVE_INGEST_LINK_LAYER_H_
#define RTPARCHIVE_INGEST_LINK_LAYER_H_

#include <cstdint>

#include "absl/types/span.h"
#include "ingest/datagram.h"

namespace rtparchive::ingest {

// Link types as libpcap's pcap_datalink() reports them (DLT_*), plus the
// file-format LINKTYPE_RAW value, which some writers leave in place.
enum LinkType : int {
  kLinkNull = 0,  // BSD loopback, host-order address family
  kLinkEthernet = 1,
  kLinkRaw = 12,  // raw IPv4/IPv6 (Linux value of DLT_RAW)
  kLinkRawOpenBsd = 14,
  kLinkRawFile = 101,  // LINKTYPE_RAW
  kLinkLoop = 108,     // OpenBSD loopback, network-order address family
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};

bool IsSupportedLinkType(int link_type);

// Why a frame gave no UDP datagram. Each is counted by the reader.
enum class FrameDrop {
  kNone,
  kTruncatedLinkHeader,
  kNotIp,  // ARP, LLDP, ...: ordinary traffic, not an error
  kTruncatedIpHeader,
  kBadIpHeader,   // version or header length wrong
  kIpFragment,    // fragments are not reassembled
  kNotUdp,        // TCP, ICMP, ...
  kTruncatedUdp,  // UDP length past the captured bytes (snaplen)
  kBadUdpLength,
};
const char* ToString(FrameDrop drop);

// Fills `datagram->payload` and `datagram->flow` (not the arrival time).
FrameDrop ParseLinkFrame(int link_type, absl::Span<const uint8_t> frame, Datagram* datagram);

}  // namespace rtparchive::ingest

#endif  // RTPARCHIVE_INGEST_LINK_LAYER_H_
