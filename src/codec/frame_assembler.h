// Joins the payloads of one frame, given in sequence order by the reorder
// buffer, into an EncodedFrame. Codec-agnostic: the depacketizer said where
// each payload's frame data is and whether it starts or ends a frame. Each
// payload is copied into the frame as it comes, so the caller's packet
// buffer is free again when Add returns: this is the one copy of the media
// bytes between the capture and the container.
//
// A frame is written only when whole. After a discontinuity (lost packets,
// a rejected payload) the frame being collected is dropped, and a packet
// whose frame start was lost is skipped with the rest of that frame; never a
// guess. Whole frames that vanished are counted from the codec's frame
// numbers where it has them.
//
// Not thread-safe.
#ifndef RTPARCHIVE_CODEC_FRAME_ASSEMBLER_H_
#define RTPARCHIVE_CODEC_FRAME_ASSEMBLER_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "codec/depacketizer.h"
#include "codec/drop_reason.h"
#include "codec/encoded_frame.h"

namespace rtparchive::codec {

// One packet for the assembler: what the depacketizer read (its spans valid
// during Add) and its RTP time.
struct AssemblerPacket {
  PayloadInfo info;
  uint32_t rtp_timestamp = 0;
};

// Caps that keep a frame that never ends from growing without bound.
struct AssemblerLimits {
  size_t max_frame_bytes = 8 << 20;
  size_t max_packets_per_frame = 4096;
};

class FrameAssembler {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnFrame(EncodedFrame frame) = 0;
    virtual void OnFrameDropped(FrameDrop reason, int64_t count) = 0;
  };

  // `marked_starts`: the codec marks frame starts in its payloads (see
  // Depacketizer::marks_frame_starts). Otherwise a frame is the packets of
  // one timestamp, ended by the marker, and after a discontinuity frames are
  // taken again only once a marker bit showed where the next one begins.
  FrameAssembler(Listener* listener, bool marked_starts, AssemblerLimits limits = AssemblerLimits())
      : listener_(listener), limits_(limits), marked_starts_(marked_starts) {}
  FrameAssembler(const FrameAssembler&) = delete;
  FrameAssembler& operator=(const FrameAssembler&) = delete;

  void Add(const AssemblerPacket& packet);
  // Packets were lost or rejected just before the next one.
  void Discontinuity();
  // End of stream: a frame still being collected is dropped as incomplete.
  void Flush();

 private:
  void CountMissingFrames(const std::optional<FrameNumber>& number);
  // Whether `packet` may begin collecting a frame; counts it when not.
  bool CanStartFrame(const AssemblerPacket& packet);
  // Whether `packet`'s NAL pieces continue the collected ones in order: each
  // fragmented NAL unit ends before the next begins (RFC 6184 §5.8).
  bool NalPiecesFollow(const AssemblerPacket& packet);
  // Appends the packet's frame bytes: NAL pieces with 4-byte lengths, plain
  // data as it is.
  void AppendToFrame(const AssemblerPacket& packet);
  // Writes the length of the NAL unit open in frame_ in front of it.
  void CloseNal();
  void DropCollected(FrameDrop reason);
  void Complete();
  void ClearCollected();

  Listener* listener_;
  AssemblerLimits limits_;
  bool marked_starts_;
  bool boundary_known_ = true;  // the next packet of a new timestamp starts a frame
  bool nal_open_ = false;       // an FU-A NAL unit of the frame awaits its end
  // The frame being collected: its bytes so far, and of its packets.
  std::vector<uint8_t> frame_;
  std::optional<size_t> nal_length_at_;  // where the open NAL unit's length goes
  size_t collected_packets_ = 0;
  size_t collected_bytes_ = 0;  // its bytes and NAL headers, for the limit
  uint32_t collected_timestamp_ = 0;
  bool collected_keyframe_ = false;
  size_t last_frame_bytes_ = 0;  // of the last frame of several packets
  static constexpr size_t kFrameSlackBytes = 1024;
  // The timestamp of a frame being skipped (its start was lost or it was
  // dropped); its later packets are passed over without counting again.
  std::optional<uint32_t> skipped_timestamp_;
  std::optional<FrameNumber> last_frame_number_;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_FRAME_ASSEMBLER_H_
