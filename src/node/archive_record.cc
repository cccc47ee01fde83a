#include "node/archive_record.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "base/json_fields.h"

namespace rtparchive::node {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Fields(Writer& json, const ArchiveRecord& record) {
  WriteMember(json, "createdAt", record.created_at_ms);
  WriteMember(json, "duration", record.duration_s);
  WriteMember(json, "hasAudio", record.has_audio);
  WriteMember(json, "hasVideo", record.has_video);
  WriteMember(json, "id", record.id);
  if (!record.multi_archive_tag.empty()) WriteMember(json, "multiArchiveTag", record.multi_archive_tag);
  WriteMember(json, "name", record.name);
  WriteMember(json, "outputMode", "individual");
  WriteMember(json, "partnerId", record.api_key);
  // A reason tells why an archive stopped or failed; while it records
  // (started or paused) it has none.
  WriteMember(json, "reason", record.recording() ? std::string() : record.reason);
  WriteMember(json, "sessionId", record.session_id);
  WriteMember(json, "size", record.size);
  WriteMember(json, "status", ToString(record.status));
  WriteMember(json, "streamMode", record.manual ? "manual" : "auto");
  json.Key("streams");
  json.StartArray();
  for (const auto& [stream_id, stream] : record.streams) {
    json.StartObject();
    WriteMember(json, "streamId", stream_id);
    WriteMember(json, "hasAudio", stream.has_audio);
    WriteMember(json, "hasVideo", stream.has_video);
    json.EndObject();
  }
  json.EndArray();
}




}  // namespace

bool CanMove(ArchiveStatus from, ArchiveStatus to) {
  switch (to) {
    case ArchiveStatus::kStarted:
    case ArchiveStatus::kPaused:
      return from == ArchiveStatus::kStarted || from == ArchiveStatus::kPaused;
    case ArchiveStatus::kStopped:
      return from == ArchiveStatus::kStarted || from == ArchiveStatus::kPaused ||
             from == ArchiveStatus::kStopped;
    case ArchiveStatus::kAvailable:
    case ArchiveStatus::kUploaded:
      return from == ArchiveStatus::kStopped;
    case ArchiveStatus::kFailed:
      return from != ArchiveStatus::kAvailable && from != ArchiveStatus::kUploaded;
  }
  return false;
}

std::optional<ArchiveStatus> ParseArchiveStatus(absl::string_view text) {
  for (ArchiveStatus status : {ArchiveStatus::kStarted, ArchiveStatus::kPaused, ArchiveStatus::kStopped,
                               ArchiveStatus::kAvailable, ArchiveStatus::kFailed, ArchiveStatus::kUploaded}) {
    if (text == ToString(status)) return status;
  }
  return std::nullopt;
}

std::string ArchiveJson(const ArchiveRecord& record, const std::string& url, bool event) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.StartObject();
  if (event) WriteMember(json, "event", "archive");
  Fields(json, record);
  json.Key("url");
  if (record.status == ArchiveStatus::kAvailable && !url.empty()) {
    json.String(url.c_str());
  } else {
    json.Null();
  }
  json.EndObject();
  return buffer.GetString();
}

std::string RecordStateJson(const ArchiveRecord& record) {
  rapidjson::StringBuffer buffer;
  Writer json(buffer);
  json.StartObject();
  Fields(json, record);
  WriteMember(json, "uploadPending", record.upload_pending);
  json.EndObject();
  return buffer.GetString();
}

absl::StatusOr<ArchiveRecord> ParseRecordState(absl::string_view text) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError() || !document.IsObject() || StringOf(document, "id").empty()) {
    return absl::InvalidArgumentError("not an archive state file");
  }
  ArchiveRecord record;
  record.id = StringOf(document, "id");
  record.api_key = IntOf(document, "partnerId");
  record.session_id = StringOf(document, "sessionId");
  record.name = StringOf(document, "name");
  record.multi_archive_tag = StringOf(document, "multiArchiveTag");
  record.has_audio = BoolOf(document, "hasAudio", true);
  record.has_video = BoolOf(document, "hasVideo", true);
  record.manual = StringOf(document, "streamMode") == "manual";
  std::optional<ArchiveStatus> status = ParseArchiveStatus(StringOf(document, "status"));
  if (!status) return absl::InvalidArgumentError("an archive state file with no known status");
  record.status = *status;
  record.reason = StringOf(document, "reason");
  record.created_at_ms = IntOf(document, "createdAt");
  record.duration_s = IntOf(document, "duration");
  record.size = static_cast<uint64_t>(IntOf(document, "size"));
  record.upload_pending = BoolOf(document, "uploadPending", false);
  if (auto streams = document.FindMember("streams");
      streams != document.MemberEnd() && streams->value.IsArray()) {
    for (const rapidjson::Value& stream : streams->value.GetArray()) {
      if (!stream.IsObject()) continue;
      record.streams[StringOf(stream, "streamId")] = {BoolOf(stream, "hasAudio", true),
                                                      BoolOf(stream, "hasVideo", true)};
    }
  }
  return record;
}

}  // namespace rtparchive::node
