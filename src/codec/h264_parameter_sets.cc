#include "codec/h264_parameter_sets.h"

#include "codec/h264_bitstream.h"

namespace rtparchive::codec {

void H264ParameterSets::Add(absl::Span<const uint8_t> nal) {
  if (nal.empty()) return;
  const uint8_t type = H264NalTypeOf(nal[0]);
  if (type == kH264Sps) {
    if (auto info = ParseH264Sps(nal)) {
      sps_.assign(nal.begin(), nal.end());
      size_ = info->size;
    }
  } else if (type == kH264Pps) {
    pps_.assign(nal.begin(), nal.end());
  }
}

void H264ParameterSets::AddFromFrame(absl::Span<const uint8_t> avcc_frame) {
  ForEachAvccNal(avcc_frame, [this](absl::Span<const uint8_t> nal) { Add(nal); });
}

std::vector<uint8_t> H264ParameterSets::Avcc() const {
  if (!complete()) return {};
  return BuildAvcc(sps_, pps_);
}

}  // namespace rtparchive::codec
