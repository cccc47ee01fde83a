// Tracks the SPS and PPS an H.264 track uses: given out of band (SDP) and
// seen in band in its frames. A keyframe is decodable only once both are
// known; its picture size and the avcC a Matroska track header needs come
// from the latest ones. Not thread-safe.
#ifndef RTPARCHIVE_CODEC_H264_PARAMETER_SETS_H_
#define RTPARCHIVE_CODEC_H264_PARAMETER_SETS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "codec/encoded_frame.h"

namespace rtparchive::codec {

class H264ParameterSets {
 public:
  // Takes one NAL unit; keeps it when it is an SPS that parses or a PPS.
  void Add(absl::Span<const uint8_t> nal);
  // Takes the parameter sets inside a frame stored with 4-byte lengths.
  void AddFromFrame(absl::Span<const uint8_t> avcc_frame);

  bool complete() const { return !sps_.empty() && !pps_.empty(); }
  std::optional<VideoSize> size() const { return size_; }
  // avcC of the latest SPS and PPS; empty until complete().
  std::vector<uint8_t> Avcc() const;

 private:
  std::vector<uint8_t> sps_;
  std::vector<uint8_t> pps_;
  std::optional<VideoSize> size_;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_H264_PARAMETER_SETS_H_
