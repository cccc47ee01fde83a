#include "rtp/red_payload.h"

#include "base/byte_reader.h"

namespace rtparchive::rtp {

const char* ToString(RedError error) {
  switch (error) {
    case RedError::kNone:
      return "none";
    case RedError::kEmpty:
      return "red_empty";
    case RedError::kHeaderPastEnd:
      return "red_header_past_end";
    case RedError::kBlockLengthPastEnd:
      return "red_block_length_past_end";
    case RedError::kTooManyBlocks:
      return "red_too_many_blocks";
  }
  return "unknown";
}

RedError ParseRed(absl::Span<const uint8_t> payload, RedBlocks* blocks) {
  blocks->clear();
  if (payload.empty()) return RedError::kEmpty;
  ByteReader reader(payload);
  // Headers first (all of them precede the data), lengths of the redundant ones.
  absl::InlinedVector<size_t, 4> lengths;
  while (true) {
    uint8_t first = 0;
    if (!reader.ReadU8(&first)) return RedError::kHeaderPastEnd;
    RedBlock block;
    block.payload_type = first & 0x7f;
    if ((first & 0x80) == 0) {  // the primary block's header ends the list
      blocks->push_back(block);
      break;
    }
    if (blocks->size() + 1 >= kMaxRedBlocks) return RedError::kTooManyBlocks;
    uint32_t rest = 0;
    if (!reader.ReadU24(&rest)) return RedError::kHeaderPastEnd;
    block.timestamp_offset = rest >> 10;
    lengths.push_back(rest & 0x3ff);
    blocks->push_back(block);
  }
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (!reader.ReadBytes(lengths[i], &(*blocks)[i].data)) {
      blocks->clear();
      return RedError::kBlockLengthPastEnd;
    }
  }
  blocks->back().data = reader.rest();
  return RedError::kNone;
}

}  // namespace rtparchive::rtp
