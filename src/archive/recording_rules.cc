#include "archive/recording_rules.h"

#include "absl/strings/str_format.h"

namespace rtparchive::archive {
namespace {

std::string Hours(int64_t us) { return absl::StrFormat("%g h", static_cast<double>(us) / 3600e6); }

}  // namespace

std::vector<StatusChange> RecordingRules::Update(int64_t now_us, bool publishing) {
  std::vector<StatusChange> changes;
  if (stop_reason_) return changes;
  if (!first_us_) {
    first_us_ = last_us_ = now_us;
    paused_since_us_ = now_us;
  }
  if (now_us < last_us_) now_us = last_us_;
  if (status_ == ArchiveStatus::kStarted) recorded_us_ += now_us - last_us_;
  last_us_ = now_us;

  if (status_ == ArchiveStatus::kStarted && !publishing) {
    status_ = ArchiveStatus::kPaused;
    paused_since_us_ = now_us;
    changes.push_back({status_, "no stream is publishing", now_us});
  } else if (status_ == ArchiveStatus::kPaused && publishing) {
    status_ = ArchiveStatus::kStarted;
    changes.push_back({status_, "a stream is publishing", now_us});
  }
  if (recorded_us_ >= limits_.max_recorded_us) {
    stop_reason_ = "maximum recorded time of " + Hours(limits_.max_recorded_us) + " reached";
  } else if (now_us - *first_us_ >= limits_.max_total_us) {
    stop_reason_ = "maximum archive time of " + Hours(limits_.max_total_us) + " reached";
  } else if (status_ == ArchiveStatus::kPaused &&
             now_us - paused_since_us_ >= limits_.max_paused_us) {
    stop_reason_ = "no stream published for " + Hours(limits_.max_paused_us);
  }
  return changes;
}

}  // namespace rtparchive::archive
