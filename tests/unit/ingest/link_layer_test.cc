#include "ingest/link_layer.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace rtparchive::ingest {
namespace {

// IPv4 header (no options) + UDP 5000 -> 6000 + payload "hi".
std::vector<uint8_t> Ipv4Udp(std::vector<uint8_t> payload = {'h', 'i'}, uint8_t protocol = 17,
                             uint16_t fragment = 0) {
  const uint16_t udp_length = static_cast<uint16_t>(8 + payload.size());
  const uint16_t total = static_cast<uint16_t>(20 + udp_length);
  std::vector<uint8_t> packet = {0x45,
                                 0,
                                 uint8_t(total >> 8),
                                 uint8_t(total),
                                 0,
                                 0,
                                 uint8_t(fragment >> 8),
                                 uint8_t(fragment),
                                 64,
                                 protocol,
                                 0,
                                 0,
                                 192,
                                 0,
                                 2,
                                 1,  // source
                                 198,
                                 51,
                                 100,
                                 7,  // destination
                                 0x13,
                                 0x88,
                                 0x17,
                                 0x70,  // ports 5000 -> 6000
                                 uint8_t(udp_length >> 8),
                                 uint8_t(udp_length),
                                 0,
                                 0};
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

std::vector<uint8_t> Ipv6Udp() {
  std::vector<uint8_t> packet = {0x60, 0, 0, 0, 0, 10, 17, 64};  // payload length 10, UDP
  for (int i = 0; i < 16; ++i) packet.push_back(i == 15 ? 1 : (i == 0 ? 0x20 : 0));  // 2000::1
  for (int i = 0; i < 16; ++i) packet.push_back(i == 15 ? 2 : (i == 0 ? 0x20 : 0));  // 2000::2
  const std::vector<uint8_t> udp = {0x13, 0x88, 0x17, 0x70, 0, 10, 0, 0, 'h', 'i'};
  packet.insert(packet.end(), udp.begin(), udp.end());
  return packet;
}

std::vector<uint8_t> Prepend(const std::vector<uint8_t>& header, const std::vector<uint8_t>& rest) {
  std::vector<uint8_t> joined(header.size() + rest.size());
  std::copy(header.begin(), header.end(), joined.begin());
  std::copy(rest.begin(), rest.end(), joined.begin() + static_cast<long>(header.size()));
  return joined;
}

std::string Parse(int link_type, const std::vector<uint8_t>& frame, Datagram* datagram = nullptr) {
  Datagram local;
  Datagram* out = datagram ? datagram : &local;
  const FrameDrop drop = ParseLinkFrame(link_type, frame, out);
  if (drop != FrameDrop::kNone) return ToString(drop);
  return std::string(out->payload.begin(), out->payload.end());
}

const std::vector<uint8_t> kMacs(12, 0x02);

TEST(LinkLayerTest, EthernetIpv4Udp) {
  Datagram datagram;
  EXPECT_EQ(Parse(kLinkEthernet, Prepend(Prepend(kMacs, {0x08, 0x00}), Ipv4Udp()), &datagram),
            "hi");
  EXPECT_EQ(datagram.flow.ToString(), "192.0.2.1:5000 -> 198.51.100.7:6000");
}

TEST(LinkLayerTest, EthernetWithVlanTagAndPadding) {
  std::vector<uint8_t> frame =
      Prepend(Prepend(kMacs, {0x81, 0x00, 0x00, 0x05, 0x08, 0x00}), Ipv4Udp());
  frame.insert(frame.end(), 6, 0);  // Ethernet padding after the IP packet
  EXPECT_EQ(Parse(kLinkEthernet, frame), "hi");
}

TEST(LinkLayerTest, EthernetIpv6Udp) {
  Datagram datagram;
  EXPECT_EQ(Parse(kLinkEthernet, Prepend(Prepend(kMacs, {0x86, 0xdd}), Ipv6Udp()), &datagram),
            "hi");
  EXPECT_EQ(datagram.flow.source.ToString(), "[2000:0:0:0:0:0:0:1]:5000");
}

TEST(LinkLayerTest, LinuxCookedV1AndV2) {
  std::vector<uint8_t> sll(14, 0);
  EXPECT_EQ(Parse(kLinkLinuxSll, Prepend(Prepend(sll, {0x08, 0x00}), Ipv4Udp())), "hi");
  std::vector<uint8_t> sll2 = {0x86, 0xdd};
  sll2.resize(20, 0);
  EXPECT_EQ(Parse(kLinkLinuxSll2, Prepend(sll2, Ipv6Udp())), "hi");
}

TEST(LinkLayerTest, RawIpAndLoopback) {
  EXPECT_EQ(Parse(kLinkRaw, Ipv4Udp()), "hi");
  EXPECT_EQ(Parse(kLinkRawFile, Ipv6Udp()), "hi");
  EXPECT_EQ(Parse(kLinkIpv4, Ipv4Udp()), "hi");
  EXPECT_EQ(Parse(kLinkNull, Prepend({2, 0, 0, 0}, Ipv4Udp())), "hi");  // little-endian AF_INET
  EXPECT_EQ(Parse(kLinkNull, Prepend({0, 0, 0, 30}, Ipv6Udp())),
            "hi");  // big-endian AF_INET6 (macOS)
  EXPECT_EQ(Parse(kLinkLoop, Prepend({0, 0, 0, 2}, Ipv4Udp())), "hi");
}

TEST(LinkLayerTest, WhatIsNotUdpOverIpIsNamed) {
  EXPECT_EQ(Parse(kLinkEthernet, Prepend(Prepend(kMacs, {0x08, 0x06}), Ipv4Udp())),
            "not_ip");                                                         // ARP
  EXPECT_EQ(Parse(kLinkRaw, Ipv4Udp({'h', 'i'}, 6)), "not_udp");               // TCP
  EXPECT_EQ(Parse(kLinkRaw, Ipv4Udp({'h', 'i'}, 17, 0x2000)), "ip_fragment");  // MF
  EXPECT_EQ(Parse(kLinkEthernet, {1, 2, 3}), "truncated_link_header");
}

TEST(LinkLayerTest, SnaplenCutDatagramIsDroppedNotShortened) {
  std::vector<uint8_t> frame = Ipv4Udp({'a', 'b', 'c', 'd'});
  frame.resize(frame.size() - 2);  // captured 2 bytes short
  EXPECT_EQ(Parse(kLinkRaw, frame), "truncated_udp");
}

TEST(LinkLayerTest, EveryPrefixFailsCleanly) {
  const std::vector<uint8_t> frame = Prepend(Prepend(kMacs, {0x86, 0xdd}), Ipv6Udp());
  for (size_t size = 0; size < frame.size(); ++size) {
    Datagram datagram;
    EXPECT_NE(ParseLinkFrame(kLinkEthernet, absl::MakeConstSpan(frame.data(), size), &datagram),
              FrameDrop::kNone)
        << size;
  }
}

}  // namespace
}  // namespace rtparchive::ingest
