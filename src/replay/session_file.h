// The optional session file of `rtparchive replay --session FILE.json`:
// archive fields, payload type -> codec mapping, and the streams to record,
// each matched to the capture's flows by SSRC, RTCP CNAME or source address.
// The format is documented in the README.
#ifndef RTPARCHIVE_REPLAY_SESSION_FILE_H_
#define RTPARCHIVE_REPLAY_SESSION_FILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rtparchive/archive.h"

namespace rtparchive::replay {

struct SessionStream {
  StreamOptions options;        // payload_types filled from the file's mapping
  std::vector<uint32_t> ssrcs;  // match by SSRC ...
  std::string cname;            // ... or by RTCP CNAME ...
  std::string source;           // ... or by source address "ip:port"
};

struct SessionFile {
  std::optional<std::string> archive_id;
  std::optional<std::string> name;
  std::optional<std::string> session_id;
  std::optional<int64_t> partner_id;
  std::optional<VideoCodec> video_codec;
  bool has_audio = true;  // archive-wide; each stream also says its own
  bool has_video = true;
  std::map<int, PayloadTypeInfo> payload_types;
  std::vector<SessionStream> streams;
};

// InvalidArgument naming the field and what is expected there.
absl::StatusOr<SessionFile> ParseSessionFile(absl::string_view json);
absl::StatusOr<SessionFile> ReadSessionFile(const std::string& path);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_SESSION_FILE_H_
