// Fuzz target: datagrams arriving on a node's media port from anyone on the
// network, through the source gate (probation, held packets, the address
// lock and its move). Input: records of [peer 0-3][arrival step ms][length
// (2 bytes)][datagram].
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/source_gate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using rtparchive::node::Endpoint;
  rtparchive::node::MediaCounters counters;
  rtparchive::node::SourceRules rules;
  rules.ssrcs_by_payload_type[111] = {1, 2};
  rules.mids = {"0"};
  rules.mid_extension_id = 1;
  rtparchive::node::SourceGate gate(rules, "fuzz", &counters, nullptr);
  int64_t now_us = 0;
  uint64_t delivered = 0;
  size_t offset = 0;
  while (offset + 4 <= size) {
    Endpoint from;
    from.address[15] = data[offset] & 3;
    from.port = static_cast<uint16_t>(5000 + (data[offset] >> 2 & 1));
    now_us += int64_t{data[offset + 1]} * 1000;
    const size_t length = std::min<size_t>(size - offset - 4, data[offset + 2] << 8 | data[offset + 3]);
    gate.Offer(from, absl::Span<const uint8_t>(data + offset + 4, length), now_us,
               [&](absl::Span<const uint8_t> packet, int64_t) {
                 if (packet.empty() || packet.size() > 65535) __builtin_trap();
                 ++delivered;
               });
    offset += 4 + length;
  }
  // Nothing is delivered that was not received.
  if (delivered != counters.delivered.load() || delivered > counters.received.load()) __builtin_trap();
  return 0;
}
