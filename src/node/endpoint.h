// A UDP peer's address as the media ports compare it, and the allowed
// source a deployment can name when it announces a stream ("ip",
// "ip:port", "[ipv6]:port" or a CIDR such as "10.0.0.0/24").
#ifndef RTPARCHIVE_NODE_ENDPOINT_H_
#define RTPARCHIVE_NODE_ENDPOINT_H_

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rtparchive::node {

struct Endpoint {
  std::array<uint8_t, 16> address{};  // IPv4 as an IPv4-mapped IPv6 address
  uint16_t port = 0;

  bool operator==(const Endpoint& other) const {
    return port == other.port && address == other.address;
  }
  bool operator!=(const Endpoint& other) const { return !(*this == other); }
  std::string ToString() const;  // "192.0.2.1:5004" or "[2001:db8::1]:5004"
};

// The endpoint of an AF_INET or AF_INET6 socket address; port 0 otherwise.
Endpoint EndpointOf(const sockaddr_storage& address);

// `endpoint` as an address of `family` (AF_INET or AF_INET6) for sendto;
// false when an IPv6 endpoint cannot be one of AF_INET.
bool ToSocketAddress(const Endpoint& endpoint, int family, sockaddr_storage* address,
                     socklen_t* size);

struct AllowedSource {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 128;  // of the mapped form: an IPv4 /24 is 120
  uint16_t port = 0;      // 0: any

  bool Allows(const Endpoint& peer) const;
};

// InvalidArgument saying what is accepted when `text` is none of the forms.
absl::StatusOr<AllowedSource> ParseAllowedSource(absl::string_view text);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_ENDPOINT_H_
