// The codec-specific part of turning RTP payloads into frames. A depacketizer
// is pure: it reads one payload and says where its frame data is and whether
// it starts or ends a frame; it keeps no state, does no I/O.
#ifndef RTPARCHIVE_CODEC_DEPACKETIZER_H_
#define RTPARCHIVE_CODEC_DEPACKETIZER_H_

#include <cstdint>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "codec/drop_reason.h"
#include "codec/encoded_frame.h"

namespace rtparchive::codec {

// A frame counter carried in the payload (VP8's PictureID), which lets lost
// whole frames be counted.
struct FrameNumber {
  uint32_t value = 0;
  uint32_t modulus = 0;  // 128 or 32768 for VP8
};

// Part of an H.264 NAL unit in a payload. A NAL unit starts with a piece
// that has starts_nal set and ends with one that has ends_nal set (the same
// piece for a whole NAL unit); an FU-A start carries the NAL header byte it
// reconstructed (RFC 6184 §5.8).
struct NalPiece {
  absl::Span<const uint8_t> bytes;
  bool starts_nal = false;
  std::optional<uint8_t> header;  // written before `bytes`
  bool ends_nal = true;           // false for FU-A fragments before the last
};

struct PayloadInfo {
  absl::Span<const uint8_t> data;  // frame bytes in this payload (not for NAL codecs)
  // NAL codecs: the payload's NAL pieces; the frame is written with 4-byte
  // NAL lengths (AVCC), as Matroska stores H.264.
  absl::InlinedVector<NalPiece, 4> nal_pieces;
  bool starts_frame = false;  // only for codecs that mark frame starts
  bool ends_frame = false;
  bool keyframe = false;  // this payload holds (the start of) a keyframe
  std::optional<FrameNumber> frame_number;

  // Empties it for the next payload, keeping nal_pieces' storage.
  void Clear() {
    data = {};
    nal_pieces.clear();
    starts_frame = ends_frame = keyframe = false;
    frame_number.reset();
  }
};

class Depacketizer {
 public:
  virtual ~Depacketizer() = default;
  // Whether payloads say where a frame starts (VP8's S bit, one Opus packet
  // per frame). H.264 does not: a frame is the packets of one RTP timestamp,
  // ended by the marker bit.
  virtual bool marks_frame_starts() const { return true; }
  // `marker` is the RTP marker bit. On error `info` is unspecified.
  virtual PayloadError Parse(absl::Span<const uint8_t> payload, bool marker,
                             PayloadInfo* info) const = 0;
  // Picture size read from a complete keyframe, when the codec carries it.
  virtual std::optional<VideoSize> KeyframeSize(absl::Span<const uint8_t> /*frame*/) const {
    return std::nullopt;
  }
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_DEPACKETIZER_H_
