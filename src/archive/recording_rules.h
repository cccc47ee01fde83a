// The archive's time rules as a pure state machine over an injected clock:
// recording pauses while no stream publishes, stops after max_paused_us of
// that, and stops once max_recorded_us of publishing time or max_total_us
// since the first packet have passed. Fed with (time, publishing now?);
// returns the status changes to report. Not thread-safe.
#ifndef RTPARCHIVE_ARCHIVE_RECORDING_RULES_H_
#define RTPARCHIVE_ARCHIVE_RECORDING_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtparchive/archive.h"

namespace rtparchive::archive {

class RecordingRules {
 public:
  explicit RecordingRules(ArchiveLimits limits) : limits_(limits) {}

  // `now_us` must not go backwards by much; earlier times are treated as now.
  std::vector<StatusChange> Update(int64_t now_us, bool publishing);

  ArchiveStatus status() const { return status_; }
  // Set once a rule says stop; the caller then stops the archive.
  const std::optional<std::string>& stop_reason() const { return stop_reason_; }
  int64_t recorded_us() const { return recorded_us_; }

 private:
  ArchiveLimits limits_;
  ArchiveStatus status_ = ArchiveStatus::kStarted;
  std::optional<int64_t> first_us_;
  int64_t last_us_ = 0;
  int64_t recorded_us_ = 0;  // time spent started
  int64_t paused_since_us_ = 0;
  std::optional<std::string> stop_reason_;
};

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_RECORDING_RULES_H_
