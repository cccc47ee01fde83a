// RED payloads (RFC 2198 §3): one or more blocks, each with its own payload
// type; redundant (older) blocks first, the primary block last.
//
//  redundant block header:  |F=1|  block PT  |  timestamp offset (14)  | block length (10) |
//  primary block header:    |F=0|  block PT  |
//
// WebRTC wraps every video packet in RED with only a primary block (VP8,
// or ULPFEC for a protection packet); audio RED carries the previous
// packets' Opus frames as redundant blocks.
#ifndef RTPARCHIVE_RTP_RED_PAYLOAD_H_
#define RTPARCHIVE_RTP_RED_PAYLOAD_H_

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"

namespace rtparchive::rtp {

struct RedBlock {
  uint8_t payload_type = 0;
  uint32_t timestamp_offset = 0;  // subtract from the packet's timestamp (0 for the primary)
  absl::Span<const uint8_t> data;
};

enum class RedError {
  kNone,
  kEmpty,               // no payload
  kHeaderPastEnd,       // block headers run past the payload
  kBlockLengthPastEnd,  // redundant block lengths add up past the payload
  kTooManyBlocks,       // more than kMaxRedBlocks
};
const char* ToString(RedError error);

// WebRTC sends at most a few redundant blocks; more is hostile input.
inline constexpr size_t kMaxRedBlocks = 16;
using RedBlocks = absl::InlinedVector<RedBlock, 4>;

// Splits `payload` into its blocks, primary last; spans point into it.
RedError ParseRed(absl::Span<const uint8_t> payload, RedBlocks* blocks);

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_RED_PAYLOAD_H_
