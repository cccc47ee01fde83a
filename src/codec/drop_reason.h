// Why a payload or a frame did not make it into the archive. The names are
// stable: they appear in summaries, results and logs.
#ifndef RTPARCHIVE_CODEC_DROP_REASON_H_
#define RTPARCHIVE_CODEC_DROP_REASON_H_

namespace rtparchive::codec {

// A payload the depacketizer rejected.
enum class PayloadError {
  kNone,
  kEmpty,                     // no payload bytes at all
  kTruncatedDescriptor,       // the payload descriptor runs past the payload
  kNoFrameData,               // a descriptor with nothing after it
  kUnsupportedNalType,        // H.264 NAL type 0, 30 or 31 (RFC 6184 §5.2: undefined)
  kUnsupportedPacketization,  // STAP-B, MTAP16/24, FU-B (interleaved mode)
  kTruncatedAggregate,        // a STAP-A unit length past the payload, or zero
};
const char* ToString(PayloadError error);

// A frame that was not written.
enum class FrameDrop {
  kIncomplete,          // a packet of it was lost, or its end never came
  kMissingStart,        // its first packet was lost
  kLostEntirely,        // every packet was lost (seen from frame numbering)
  kTooLarge,            // beyond the frame size cap
  kWaitingForKeyframe,  // complete, but it references a frame that was lost
  kNoParameterSets,     // an H.264 keyframe before any SPS/PPS: undecodable
  kKeyframeWithoutSize,  // a VP8 keyframe whose header gives no picture size
};
const char* ToString(FrameDrop drop);

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_DROP_REASON_H_
