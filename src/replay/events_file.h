// The events file of `rtparchive replay --events FILE.json`: when streams
// are added to and removed from the archive, replaying a capture in manual
// stream mode. Times are ms after the capture's first packet ("offsetMs") or
// Unix ms on the capture's clock ("timeMs"). The format is in the README.
#ifndef RTPARCHIVE_REPLAY_EVENTS_FILE_H_
#define RTPARCHIVE_REPLAY_EVENTS_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rtparchive::replay {

struct StreamEvent {
  enum class Action { kAdd, kRemove };
  Action action = Action::kAdd;
  std::string stream_id;
  std::optional<int64_t> offset_ms;  // one of the two times is set
  std::optional<int64_t> time_ms;
  std::optional<bool> has_audio;  // add only: override the stream's
  std::optional<bool> has_video;

  // The event's time on the capture clock, µs.
  int64_t TimeUs(int64_t capture_start_us) const {
    return time_ms ? *time_ms * 1000 : capture_start_us + *offset_ms * 1000;
  }
};

// Events in file order; InvalidArgument naming the bad field.
absl::StatusOr<std::vector<StreamEvent>> ParseEventsFile(absl::string_view json);
absl::StatusOr<std::vector<StreamEvent>> ReadEventsFile(const std::string& path);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_EVENTS_FILE_H_
