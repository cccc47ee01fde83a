#include "codec/drop_reason.h"

namespace rtparchive::codec {

const char* ToString(PayloadError error) {
  switch (error) {
    case PayloadError::kNone:
      return "none";
    case PayloadError::kEmpty:
      return "empty_payload";
    case PayloadError::kTruncatedDescriptor:
      return "truncated_payload_descriptor";
    case PayloadError::kNoFrameData:
      return "no_frame_data";
    case PayloadError::kUnsupportedNalType:
      return "unsupported_nal_type";
    case PayloadError::kUnsupportedPacketization:
      return "unsupported_packetization";
    case PayloadError::kTruncatedAggregate:
      return "truncated_aggregate";
  }
  return "unknown";
}

const char* ToString(FrameDrop drop) {
  switch (drop) {
    case FrameDrop::kIncomplete:
      return "incomplete";
    case FrameDrop::kMissingStart:
      return "missing_start";
    case FrameDrop::kLostEntirely:
      return "lost_entirely";
    case FrameDrop::kTooLarge:
      return "too_large";
    case FrameDrop::kWaitingForKeyframe:
      return "waiting_for_keyframe";
    case FrameDrop::kNoParameterSets:
      return "no_parameter_sets";
    case FrameDrop::kKeyframeWithoutSize:
      return "keyframe_without_size";
  }
  return "unknown";
}

}  // namespace rtparchive::codec
