#include "archive/journal.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/json_fields.h"
#include "base/status_macros.h"
#include "base/text_file.h"

namespace rtparchive::archive {

absl::StatusOr<std::unique_ptr<Journal>> Journal::Create(const std::string& path,
                                                         const JournalArchive& archive) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the journal '", path, "': ", std::strerror(errno)));
  }
  std::unique_ptr<Journal> journal(new Journal(path, fd));
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("archive");
  json.StartObject();
  WriteMember(json, "id", archive.id);
  WriteMember(json, "name", archive.name);
  WriteMember(json, "sessionId", archive.session_id);
  WriteMember(json, "partnerId", archive.partner_id);
  json.EndObject();
  json.EndObject();
  RETURN_IF_ERROR(journal->Append(buffer.GetString()));
  return journal;
}

Journal::~Journal() { ::close(fd_); }

absl::Status Journal::Record(const SegmentRecord& segment) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("segment");
  json.StartObject();
  WriteMember(json, "filename", segment.file.filename);
  WriteMember(json, "streamId", segment.file.stream_id);
  WriteMember(json, "index", segment.file.segment);
  WriteMember(json, "connectionData", segment.file.connection_data);
  WriteMember(json, "videoType", segment.file.video_type);
  WriteMember(json, "firstCaptureMs", segment.first_capture_ms);
  WriteMember(json, "dataOffset", segment.data_offset);
  json.EndObject();
  json.EndObject();
  return Append(buffer.GetString());
}

absl::Status Journal::Append(const std::string& line) {
  const std::string text = line + "\n";
  // One write per line: with O_APPEND a crash leaves whole lines, or a torn last one.
  const ssize_t written = ::write(fd_, text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size())) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "writing the journal '", path_, "' failed: ", written < 0 ? std::strerror(errno) : "short write"));
  }
  return absl::OkStatus();
}

absl::StatusOr<JournalContents> ReadJournal(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path, "journal"));
  JournalContents contents;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    rapidjson::Document document;
    document.Parse(line.data(), line.size());
    if (document.HasParseError() || !document.IsObject()) {
      ++contents.unreadable_lines;
      continue;
    }
    if (auto archive = document.FindMember("archive");
        archive != document.MemberEnd() && archive->value.IsObject()) {
      contents.archive = JournalArchive{StringOf(archive->value, "id"),
                                        StringOf(archive->value, "name"),
                                        StringOf(archive->value, "sessionId"),
                                        IntOf(archive->value, "partnerId")};
    } else if (auto segment = document.FindMember("segment");
               segment != document.MemberEnd() && segment->value.IsObject()) {
      const rapidjson::Value& value = segment->value;
      SegmentRecord record;
      record.file.filename = StringOf(value, "filename");
      record.file.stream_id = StringOf(value, "streamId");
      record.file.segment = static_cast<int>(IntOf(value, "index"));
      record.file.connection_data = StringOf(value, "connectionData");
      record.file.video_type = StringOf(value, "videoType");
      record.first_capture_ms = IntOf(value, "firstCaptureMs");
      record.data_offset = static_cast<uint64_t>(std::max<int64_t>(0, IntOf(value, "dataOffset")));
      contents.segments.push_back(std::move(record));
    } else {
      ++contents.unreadable_lines;
    }
  }
  return contents;
}

}  // namespace rtparchive::archive
