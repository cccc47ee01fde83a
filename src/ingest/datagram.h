// What ingest hands to the rest of the pipeline: one UDP payload with its
// arrival time and addresses. The payload points into the reader's buffer and
// is valid until the next read.
#ifndef RTPARCHIVE_INGEST_DATAGRAM_H_
#define RTPARCHIVE_INGEST_DATAGRAM_H_

#include <array>
#include <cstdint>
#include <string>
#include <tuple>

#include "absl/types/span.h"

namespace rtparchive::ingest {

struct Endpoint {
  uint8_t ip_version = 4;                // 4 or 6
  std::array<uint8_t, 16> address = {};  // IPv4 uses the first 4 bytes
  uint16_t port = 0;

  std::string ToString() const;  // "192.0.2.1:5000", "[2001:db8::1]:5000"
  bool operator<(const Endpoint& o) const {
    return std::tie(ip_version, address, port) < std::tie(o.ip_version, o.address, o.port);
  }
  bool operator==(const Endpoint& o) const {
    return ip_version == o.ip_version && address == o.address && port == o.port;
  }
};

// A UDP flow; the protocol is always UDP.
struct FiveTuple {
  Endpoint source;
  Endpoint destination;

  std::string ToString() const;  // "192.0.2.1:5000 -> 198.51.100.1:4000"
  bool operator<(const FiveTuple& o) const {
    return std::tie(source, destination) < std::tie(o.source, o.destination);
  }
  bool operator==(const FiveTuple& o) const {
    return source == o.source && destination == o.destination;
  }
};

struct Datagram {
  absl::Span<const uint8_t> payload;
  int64_t arrival_time_us = 0;  // capture clock, µs since the Unix epoch
  FiveTuple flow;
};

}  // namespace rtparchive::ingest

#endif  // RTPARCHIVE_INGEST_DATAGRAM_H_
