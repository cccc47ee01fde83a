#include "node/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rtparchive::node {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool IsV4Mapped(const std::array<uint8_t, 16>& address) {
  return std::memcmp(address.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

// An IPv4 or IPv6 address in the mapped form; `bits` gets its width there.
bool ParseAddress(const std::string& text, std::array<uint8_t, 16>* address, int* bits) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memcpy(address->data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    std::memcpy(address->data() + 12, &v4, 4);
    *bits = 32;
    return true;
  }
  *bits = 128;
  return inet_pton(AF_INET6, text.c_str(), address->data()) == 1;
}

}  // namespace

std::string Endpoint::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsV4Mapped(address)) {
    inet_ntop(AF_INET, address.data() + 12, text, sizeof(text));
    return absl::StrCat(text, ":", port);
  }
  inet_ntop(AF_INET6, address.data(), text, sizeof(text));
  return absl::StrCat("[", text, "]:", port);
}

Endpoint EndpointOf(const sockaddr_storage& address) {
  Endpoint endpoint;
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    std::memcpy(endpoint.address.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    std::memcpy(endpoint.address.data() + 12, &v4.sin_addr, 4);
    endpoint.port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    std::memcpy(endpoint.address.data(), &v6.sin6_addr, 16);
    endpoint.port = ntohs(v6.sin6_port);
  }
  return endpoint;
}

bool ToSocketAddress(const Endpoint& endpoint, int family, sockaddr_storage* address,
                     socklen_t* size) {
  *address = {};
  if (family == AF_INET) {
    if (!IsV4Mapped(endpoint.address)) return false;
    auto& v4 = reinterpret_cast<sockaddr_in&>(*address);
    v4.sin_family = AF_INET;
    v4.sin_port = htons(endpoint.port);
    std::memcpy(&v4.sin_addr, endpoint.address.data() + 12, 4);
    *size = sizeof(v4);
    return true;
  }
  auto& v6 = reinterpret_cast<sockaddr_in6&>(*address);
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(endpoint.port);
  std::memcpy(&v6.sin6_addr, endpoint.address.data(), 16);
  *size = sizeof(v6);
  return true;
}

bool AllowedSource::Allows(const Endpoint& peer) const {
  if (port != 0 && peer.port != port) return false;
  const int whole = prefix_bits / 8, rest = prefix_bits % 8;
  if (std::memcmp(peer.address.data(), address.data(), whole) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (peer.address[whole] & mask) == (address[whole] & mask);
}

absl::StatusOr<AllowedSource> ParseAllowedSource(absl::string_view text) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text.substr(0, 100),
        "\" is no allowed source: give an address (192.0.2.7, 2001:db8::7), an address and "
        "port (192.0.2.7:5004, [2001:db8::7]:5004) or a CIDR block (192.0.2.0/24)"));
  };
  AllowedSource source;
  std::string address(text);
  int prefix = -1, bits = 0;
  if (size_t slash = address.find('/'); slash != std::string::npos) {
    if (!absl::SimpleAtoi(address.substr(slash + 1), &prefix) || prefix < 0) return invalid();
    address.resize(slash);
  } else if (!address.empty() && address[0] == '[') {  // [v6]:port
    const size_t close = address.find("]:");
    int port = 0;
    if (close == std::string::npos || !absl::SimpleAtoi(address.substr(close + 2), &port) ||
        port < 1 || port > 65535) {
      return invalid();
    }
    source.port = static_cast<uint16_t>(port);
    address = address.substr(1, close - 1);
  } else if (size_t colon = address.find(':');
             colon != std::string::npos && address.find(':', colon + 1) == std::string::npos) {
    int port = 0;  // v4:port (an IPv6 address has more than one colon)
    if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 1 || port > 65535) {
      return invalid();
    }
    source.port = static_cast<uint16_t>(port);
    address.resize(colon);
  }
  if (!ParseAddress(address, &source.address, &bits)) return invalid();
  if (prefix < 0) prefix = bits;
  if (prefix > bits) return invalid();
  source.prefix_bits = 128 - bits + prefix;
  return source;
}

}  // namespace rtparchive::node
