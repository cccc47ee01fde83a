#include "codec/h264_bitstream.h"

namespace rtparchive::codec {
namespace {

// Reads bits MSB first from an RBSP (emulation prevention bytes removed).
class BitReader {
 public:
  explicit BitReader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}

  bool Bits(int count, uint32_t* value) {
    uint32_t result = 0;
    for (int i = 0; i < count; ++i) {
      if (position_ >= bytes_.size() * 8) return false;
      result = result << 1 | ((bytes_[position_ / 8] >> (7 - position_ % 8)) & 1);
      ++position_;
    }
    *value = result;
    return true;
  }
  // ue(v), Exp-Golomb (H.264 §9.1); at most 31 leading zeros.
  bool Ue(uint32_t* value) {
    int zeros = 0;
    uint32_t bit = 0;
    while (true) {
      if (!Bits(1, &bit)) return false;
      if (bit) break;
      if (++zeros > 31) return false;
    }
    uint32_t rest = 0;
    if (zeros > 0 && !Bits(zeros, &rest)) return false;
    *value = static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + rest);
    return true;
  }
  bool Se(int32_t* value) {
    uint32_t code = 0;
    if (!Ue(&code)) return false;
    *value = (code & 1) ? static_cast<int32_t>((code + 1) / 2) : -static_cast<int32_t>(code / 2);
    return true;
  }

 private:
  const std::vector<uint8_t>& bytes_;
  size_t position_ = 0;
};

// Drops emulation prevention bytes (00 00 03 -> 00 00), H.264 §7.4.1.
std::vector<uint8_t> ToRbsp(absl::Span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t byte : nal) {
    if (zeros >= 2 && byte == 3) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

bool SkipScalingList(BitReader& bits, int size) {
  int32_t last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      int32_t delta = 0;
      if (!bits.Se(&delta) || delta < -128 || delta > 127) return false;
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

}  // namespace

std::optional<H264SpsInfo> ParseH264Sps(absl::Span<const uint8_t> nal) {
  if (nal.size() < 4 || H264NalTypeOf(nal[0]) != kH264Sps) return std::nullopt;
  const std::vector<uint8_t> rbsp = ToRbsp(nal.subspan(1));
  BitReader bits(rbsp);
  H264SpsInfo info;
  uint32_t value = 0, id = 0;
  if (!bits.Bits(8, &value)) return std::nullopt;
  info.profile_idc = static_cast<uint8_t>(value);
  if (!bits.Bits(8, &value)) return std::nullopt;
  info.constraint_flags = static_cast<uint8_t>(value);
  if (!bits.Bits(8, &value)) return std::nullopt;
  info.level_idc = static_cast<uint8_t>(value);
  if (!bits.Ue(&id) || id > 31) return std::nullopt;
  const uint8_t p = info.profile_idc;
  if (p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 || p == 118 ||
      p == 128 || p == 138 || p == 139 || p == 134 || p == 135) {
    if (!bits.Ue(&info.chroma_format_idc) || info.chroma_format_idc > 3) return std::nullopt;
    if (info.chroma_format_idc == 3 && !bits.Bits(1, &value))
      return std::nullopt;  // separate planes
    uint32_t luma = 0, chroma = 0;
    if (!bits.Ue(&luma) || !bits.Ue(&chroma) || luma > 6 || chroma > 6) return std::nullopt;
    info.bit_depth_luma = luma + 8;
    info.bit_depth_chroma = chroma + 8;
    if (!bits.Bits(1, &value)) return std::nullopt;  // qpprime_y_zero_transform_bypass
    uint32_t scaling_present = 0;
    if (!bits.Bits(1, &scaling_present)) return std::nullopt;
    if (scaling_present) {
      const int lists = info.chroma_format_idc == 3 ? 12 : 8;
      for (int i = 0; i < lists; ++i) {
        uint32_t list_present = 0;
        if (!bits.Bits(1, &list_present)) return std::nullopt;
        if (list_present && !SkipScalingList(bits, i < 6 ? 16 : 64)) return std::nullopt;
      }
    }
  }
  uint32_t log2_max_frame_num = 0, poc_type = 0;
  if (!bits.Ue(&log2_max_frame_num) || log2_max_frame_num > 12) return std::nullopt;
  if (!bits.Ue(&poc_type) || poc_type > 2) return std::nullopt;
  if (poc_type == 0) {
    if (!bits.Ue(&value) || value > 12) return std::nullopt;
  } else if (poc_type == 1) {
    int32_t offset = 0;
    uint32_t cycle = 0;
    if (!bits.Bits(1, &value) || !bits.Se(&offset) || !bits.Se(&offset) || !bits.Ue(&cycle) ||
        cycle > 255) {
      return std::nullopt;
    }
    for (uint32_t i = 0; i < cycle; ++i) {
      if (!bits.Se(&offset)) return std::nullopt;
    }
  }
  uint32_t max_refs = 0, gaps = 0, width_mbs = 0, height_units = 0, frame_mbs_only = 0;
  if (!bits.Ue(&max_refs) || !bits.Bits(1, &gaps) || !bits.Ue(&width_mbs) ||
      !bits.Ue(&height_units) || !bits.Bits(1, &frame_mbs_only)) {
    return std::nullopt;
  }
  if (width_mbs > 1023 || height_units > 1023) return std::nullopt;
  if (!frame_mbs_only && !bits.Bits(1, &value)) return std::nullopt;  // mb_adaptive_frame_field
  if (!bits.Bits(1, &value)) return std::nullopt;                     // direct_8x8_inference
  uint32_t cropping = 0, left = 0, right = 0, top = 0, bottom = 0;
  if (!bits.Bits(1, &cropping)) return std::nullopt;
  if (cropping && (!bits.Ue(&left) || !bits.Ue(&right) || !bits.Ue(&top) || !bits.Ue(&bottom))) {
    return std::nullopt;
  }
  // Cropping units (H.264 Table 6-1 and equations 7-19 to 7-22).
  const uint32_t sub_width = info.chroma_format_idc == 1 || info.chroma_format_idc == 2 ? 2 : 1;
  const uint32_t sub_height = info.chroma_format_idc == 1 ? 2 : 1;
  const uint32_t crop_x = info.chroma_format_idc == 0 ? 1 : sub_width;
  const uint32_t crop_y = (info.chroma_format_idc == 0 ? 1 : sub_height) * (2 - frame_mbs_only);
  const int64_t width = int64_t{width_mbs + 1} * 16 - int64_t{crop_x} * (left + right);
  const int64_t height =
      int64_t{height_units + 1} * 16 * (2 - frame_mbs_only) - int64_t{crop_y} * (top + bottom);
  if (width <= 0 || height <= 0) return std::nullopt;
  info.size = VideoSize{static_cast<int>(width), static_cast<int>(height)};
  return info;
}

std::vector<uint8_t> BuildAvcc(absl::Span<const uint8_t> sps, absl::Span<const uint8_t> pps) {
  const std::optional<H264SpsInfo> info = ParseH264Sps(sps);
  if (!info || pps.empty() || sps.size() > 0xffff || pps.size() > 0xffff) return {};
  std::vector<uint8_t> avcc = {1,  // configurationVersion
                               info->profile_idc,
                               info->constraint_flags,
                               info->level_idc,
                               0xff,   // 6 reserved bits, lengthSizeMinusOne = 3
                               0xe1};  // 3 reserved bits, one SPS
  avcc.push_back(static_cast<uint8_t>(sps.size() >> 8));
  avcc.push_back(static_cast<uint8_t>(sps.size()));
  avcc.insert(avcc.end(), sps.begin(), sps.end());
  avcc.push_back(1);  // one PPS
  avcc.push_back(static_cast<uint8_t>(pps.size() >> 8));
  avcc.push_back(static_cast<uint8_t>(pps.size()));
  avcc.insert(avcc.end(), pps.begin(), pps.end());
  const uint8_t p = info->profile_idc;
  if (p == 100 || p == 110 || p == 122 || p == 144) {
    // High profiles carry chroma format and bit depths (14496-15 §5.3.3.1.2).
    avcc.push_back(static_cast<uint8_t>(0xfc | info->chroma_format_idc));
    avcc.push_back(static_cast<uint8_t>(0xf8 | (info->bit_depth_luma - 8)));
    avcc.push_back(static_cast<uint8_t>(0xf8 | (info->bit_depth_chroma - 8)));
    avcc.push_back(0);  // no SPS extensions
  }
  return avcc;
}

int RemoveRepeatedParameterSets(std::vector<uint8_t>* avcc_frame) {
  std::vector<absl::Span<const uint8_t>> kept_sets;
  std::vector<absl::Span<const uint8_t>> nals;
  int repeats = 0;
  const bool well_formed = ForEachAvccNal(*avcc_frame, [&](absl::Span<const uint8_t> nal) {
    const uint8_t type = H264NalTypeOf(nal[0]);
    if (type == kH264Sps || type == kH264Pps) {
      for (absl::Span<const uint8_t> kept : kept_sets) {
        if (kept == nal) {
          ++repeats;
          return;
        }
      }
      kept_sets.push_back(nal);
    }
    nals.push_back(nal);
  });
  if (!well_formed || repeats == 0) return 0;
  std::vector<uint8_t> rebuilt;
  rebuilt.reserve(avcc_frame->size());
  for (absl::Span<const uint8_t> nal : nals) {
    const size_t size = nal.size();
    rebuilt.insert(rebuilt.end(),
                   {static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
                    static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)});
    rebuilt.insert(rebuilt.end(), nal.begin(), nal.end());
  }
  *avcc_frame = std::move(rebuilt);
  return repeats;
}

}  // namespace rtparchive::codec
