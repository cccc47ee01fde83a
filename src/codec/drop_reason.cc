#include "codec/drop_reason.h"

namespace rtparchive::codec {

const char* ToString(PayloadError error) {
  switch (error) {
    case PayloadError::kNone: return "none";
    case PayloadError::kEmpty: return "empty_payload";
    case PayloadError::kTruncatedDescriptor: return "truncated_payload_descriptor";
    case PayloadError::kNoFrameData: return "no_frame_data";
  }
  return "unknown";
}

const char* ToString(FrameDrop drop) {
  switch (drop) {
    case FrameDrop::kIncomplete: return "incomplete";
    case FrameDrop::kMissingStart: return "missing_start";
    case FrameDrop::kLostEntirely: return "lost_entirely";
    case FrameDrop::kTooLarge: return "too_large";
    case FrameDrop::kWaitingForKeyframe: return "waiting_for_keyframe";
  }
  return "unknown";
}

}  // namespace rtparchive::codec
