// H.264 bitstream pieces rtparchive needs without decoding: NAL unit types,
// the sequence parameter set's picture size (ITU-T H.264 §7.3.2.1.1, with
// cropping), and the avcC record Matroska keeps in CodecPrivate
// (ISO/IEC 14496-15 §5.3.3.1).
#ifndef RTPARCHIVE_CODEC_H264_BITSTREAM_H_
#define RTPARCHIVE_CODEC_H264_BITSTREAM_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "codec/encoded_frame.h"

namespace rtparchive::codec {

enum H264NalType : uint8_t {
  kH264Slice = 1,
  kH264Idr = 5,
  kH264Sei = 6,
  kH264Sps = 7,
  kH264Pps = 8,
  kH264AccessUnitDelimiter = 9,
  kH264StapA = 24,
  kH264StapB = 25,
  kH264Mtap16 = 26,
  kH264Mtap24 = 27,
  kH264FuA = 28,
  kH264FuB = 29,
};

inline uint8_t H264NalTypeOf(uint8_t header) { return header & 0x1f; }

struct H264SpsInfo {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;
  uint8_t level_idc = 0;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  uint32_t bit_depth_chroma = 8;
  VideoSize size;  // after cropping
};

// Parses an SPS NAL unit (header byte included); nullopt when malformed.
std::optional<H264SpsInfo> ParseH264Sps(absl::Span<const uint8_t> nal);

// avcC from one SPS and one PPS (NAL units with their header bytes), with
// 4-byte NAL lengths. Empty when the SPS does not parse.
std::vector<uint8_t> BuildAvcc(absl::Span<const uint8_t> sps, absl::Span<const uint8_t> pps);

// Calls visit(nal) for each NAL unit of a frame stored with 4-byte lengths
// (AVCC); returns false when a length runs past the end.
template <typename Visit>
bool ForEachAvccNal(absl::Span<const uint8_t> frame, Visit visit) {
  size_t offset = 0;
  while (offset < frame.size()) {
    if (frame.size() - offset < 4) return false;
    const size_t size = size_t{frame[offset]} << 24 | size_t{frame[offset + 1]} << 16 |
                        size_t{frame[offset + 2]} << 8 | frame[offset + 3];
    offset += 4;
    if (size == 0 || size > frame.size() - offset) return false;
    visit(frame.subspan(offset, size));
    offset += size;
  }
  return true;
}

// Removes SPS and PPS NAL units that repeat, byte for byte, one earlier in
// the same AVCC frame: what a payloader that re-sends parameter sets before
// each keyframe (GStreamer's config-interval) adds to an access unit that
// already had them. Returns how many were removed; the encoder's NAL units
// are left as they were.
int RemoveRepeatedParameterSets(std::vector<uint8_t>* avcc_frame);

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_H264_BITSTREAM_H_
