// What the node knows about one archive, as the REST API shows it and as it
// is kept in `<storage>/state/<id>.json` across restarts.
#ifndef RTPARCHIVE_NODE_ARCHIVE_RECORD_H_
#define RTPARCHIVE_NODE_ARCHIVE_RECORD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rtparchive/archive.h"

namespace rtparchive::node {

struct RecordedStream {
  bool has_audio = true;
  bool has_video = true;
};

struct ArchiveRecord {
  std::string id;
  int64_t api_key = 0;  // the API's partnerId
  std::string session_id;
  std::string name;
  std::string multi_archive_tag;
  bool has_audio = true;
  bool has_video = true;
  bool manual = false;              // streamMode "manual"
  // The video codec of an archive recording now (chosen at its start from
  // its publishers' payload types; not kept in the state): a WHIP answer
  // picks it when the publisher offers it.
  VideoCodec video_codec = VideoCodec::kVp8;
  ArchiveStatus status = ArchiveStatus::kStarted;
  std::string reason;
  int64_t created_at_ms = 0;
  int64_t duration_s = 0;
  uint64_t size = 0;
  std::map<std::string, RecordedStream> streams;  // the streams recorded (now or before)
  // Stopped, its ZIP written, waiting to be confirmed by the API key's
  // storage; kept in the state file, so a restart uploads it again.
  bool upload_pending = false;
  // While recording (not kept in the state file): whether any packet came,
  // and since when the session has had no publisher (0: it has one).
  bool media_seen = false;
  int64_t session_empty_since_us = 0;

  bool recording() const {
    return status == ArchiveStatus::kStarted || status == ArchiveStatus::kPaused;
  }
};

// The seeds' status flow: started <-> paused while recording; either one ->
// stopped -> available or uploaded, or -> failed from any status but
// available and uploaded.
bool CanMove(ArchiveStatus from, ArchiveStatus to);
std::optional<ArchiveStatus> ParseArchiveStatus(absl::string_view text);

// The API's archive object; `url` is the download URL, used only when
// available. With `event`, the callback body ("event": "archive").
std::string ArchiveJson(const ArchiveRecord& record, const std::string& url, bool event = false);
// The state file's form, and back (InvalidArgument when it is not one).
std::string RecordStateJson(const ArchiveRecord& record);
absl::StatusOr<ArchiveRecord> ParseRecordState(absl::string_view json);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_ARCHIVE_RECORD_H_
