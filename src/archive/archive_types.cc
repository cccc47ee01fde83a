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
    case ArchiveStatus::kUploaded:
      return "uploaded";
  }
  return "failed";
}

}  // namespace rtparchive
