#include "rtparchive/archive.h"

namespace rtparchive {

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 200 || id[0] == '.') return false;
  for (char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '_' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

bool IsValidLayerChoice(absl::string_view layer) {
  if (layer.empty() || layer.size() > 255) return false;
  for (char c : layer) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '_';
    if (!allowed) return false;
  }
  return true;
}

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

const char* ToString(ArchiveStatus status) {
  switch (status) {
    case ArchiveStatus::kStarted:
      return "started";
    case ArchiveStatus::kPaused:
      return "paused";
    case ArchiveStatus::kStopped:
      return "stopped";
    case ArchiveStatus::kAvailable:
      return "available";
    case ArchiveStatus::kFailed:
      return "failed";
  }
  return "failed";
}

std::optional<VideoType> ParseVideoType(absl::string_view text) {
  if (text == "camera") return VideoType::kCamera;
  if (text == "screen") return VideoType::kScreen;
  if (text == "custom") return VideoType::kCustom;
  return std::nullopt;
}

}  // namespace rtparchive
