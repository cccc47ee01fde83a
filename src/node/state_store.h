// The node's state on disk, `<storage>/state/`: one JSON file per archive
// (its record: status, reason, times, streams), callbacks.json, and each
// API key's storage target (storage-<apiKey>.sealed), so that a restart
// lists every archive and callback again and resumes pending uploads. No
// secret is written in the clear.
//
// Each write goes to a temporary file that is flushed to the disk (fsync)
// and then renamed over the old one: a crash or a full disk leaves the
// previous state whole, and a write that fails says why. Reading skips what
// does not parse and says so.
#ifndef RTPARCHIVE_NODE_STATE_STORE_H_
#define RTPARCHIVE_NODE_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "node/archive_record.h"

namespace rtparchive::node {

struct CallbackRegistration {
  std::string id;
  int64_t api_key = 0;
  std::string url;
  int64_t created_at_ms = 0;
};

// Writes `contents` to `path` as a whole: into a temporary file, flushed to
// disk, renamed over it (a crash leaves the old file or the new one).
absl::Status WriteFileReplacing(const std::string& path, absl::string_view contents);

class StateStore {
 public:
  explicit StateStore(std::string folder) : folder_(std::move(folder)) {}

  // Makes the folder; PermissionDenied naming it when it cannot.
  absl::Status Create() const;
  absl::Status SaveRecord(const ArchiveRecord& record) const;
  absl::Status RemoveRecord(absl::string_view archive_id) const;
  absl::Status SaveCallbacks(const std::vector<CallbackRegistration>& callbacks) const;
  // An API key's storage target, as given: sealed (see sealed_text.h).
  absl::Status SaveStorageTarget(int64_t api_key, absl::string_view sealed) const;
  absl::Status RemoveStorageTarget(int64_t api_key) const;

  // What the folder holds; each file or entry that does not parse is left
  // out and described in `problems`.
  std::vector<ArchiveRecord> LoadRecords(std::vector<std::string>* problems) const;
  std::vector<CallbackRegistration> LoadCallbacks(std::vector<std::string>* problems) const;
  std::map<int64_t, std::string> LoadStorageTargets(std::vector<std::string>* problems) const;

 private:
  absl::Status Write(const std::string& name, absl::string_view contents) const;

  std::string folder_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_STATE_STORE_H_
