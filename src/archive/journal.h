// The working folder's journal (`<output>.parts/journal.jsonl`): what a
// recovery needs to finalise an archive whose recorder died, which the
// segment files themselves do not say: the archive's fields, and for each
// segment file its stream's ID, connection data and video type and the
// capture time of its first frame. One JSON object per line, written with a
// single write(2) each as it happens, so a crash can at most tear the last
// line, which reading skips.
#ifndef RTPARCHIVE_ARCHIVE_JOURNAL_H_
#define RTPARCHIVE_ARCHIVE_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "archive/segment_record.h"

namespace rtparchive::archive {

inline constexpr char kJournalName[] = "journal.jsonl";

struct JournalArchive {
  std::string id, name, session_id;
  int64_t partner_id = 0;
};

class Journal {
 public:
  // Creates the journal (it must not exist) and records the archive.
  static absl::StatusOr<std::unique_ptr<Journal>> Create(const std::string& path,
                                                         const JournalArchive& archive);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Keeps the segment's file name, stream, index, connection data, video
  // type, first capture time and data offset.
  absl::Status Record(const SegmentRecord& segment);
  const std::string& path() const { return path_; }

 private:
  Journal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  absl::Status Append(const std::string& line);

  std::string path_;
  int fd_;
};

struct JournalContents {
  std::optional<JournalArchive> archive;
  std::vector<SegmentRecord> segments;  // with the fields Record keeps
  int64_t unreadable_lines = 0;  // a torn last line, or damage
};

absl::StatusOr<JournalContents> ReadJournal(const std::string& path);

}  // namespace rtparchive::archive

#endif  // RTPARCHIVE_ARCHIVE_JOURNAL_H_
