#include "rtparchive/media.h"

namespace rtparchive {

const char* ToString(VideoType type) {
  switch (type) {
    case VideoType::kCamera:
      return "camera";
    case VideoType::kScreen:
      return "screen";
    case VideoType::kCustom:
      return "custom";
  }
  return "camera";
}

VideoCodec ChooseVideoCodec(const std::vector<PayloadFormat>& formats) {
  bool vp8 = false, h264 = false;
  for (PayloadFormat format : formats) {
    vp8 |= format == PayloadFormat::kVp8;
    h264 |= format == PayloadFormat::kH264;
  }
  return h264 && !vp8 ? VideoCodec::kH264 : VideoCodec::kVp8;
}

MediaKind KindOf(const PayloadTypeInfo& format) {
  switch (format.format) {
    case PayloadFormat::kOpus:
      return MediaKind::kAudio;
    case PayloadFormat::kVp8:
    case PayloadFormat::kH264:
      return MediaKind::kVideo;
    case PayloadFormat::kRed:
    case PayloadFormat::kRtx:
    case PayloadFormat::kUlpfec:
      break;
  }
  return format.clock_rate_hz == 90000 ? MediaKind::kVideo : MediaKind::kAudio;
}

const char* ToString(PayloadFormat format) {
  switch (format) {
    case PayloadFormat::kVp8:
      return "VP8";
    case PayloadFormat::kH264:
      return "H.264";
    case PayloadFormat::kOpus:
      return "Opus";
    case PayloadFormat::kRed:
      return "RED";
    case PayloadFormat::kRtx:
      return "RTX";
    case PayloadFormat::kUlpfec:
      return "ULPFEC";
  }
  return "?";
}

std::optional<VideoType> ParseVideoType(absl::string_view text) {
  if (text == "camera") return VideoType::kCamera;
  if (text == "screen") return VideoType::kScreen;
  if (text == "custom") return VideoType::kCustom;
  return std::nullopt;
}

}  // namespace rtparchive
