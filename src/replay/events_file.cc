#include "replay/events_file.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/text_file.h"

namespace rtparchive::replay {
namespace {

absl::Status Bad(absl::string_view where, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("events file: ", where, " must be ", expected));
}

}  // namespace

absl::StatusOr<std::vector<StreamEvent>> ParseEventsFile(absl::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "events file is not valid JSON: ", rapidjson::GetParseError_En(document.GetParseError()),
        " at byte ", document.GetErrorOffset()));
  }
  if (!document.IsObject() || !document.HasMember("events") || !document["events"].IsArray()) {
    return Bad("the top level", "an object with an \"events\" array");
  }
  std::vector<StreamEvent> events;
  const rapidjson::Value& list = document["events"];
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const std::string where = absl::StrCat("events[", i, "]");
    const rapidjson::Value& item = list[i];
    if (!item.IsObject()) return Bad(where, "an object");
    StreamEvent event;
    if (!item.HasMember("action") || !item["action"].IsString()) {
      return Bad(absl::StrCat(where, ".action"), "\"add\" or \"remove\"");
    }
    const std::string action = item["action"].GetString();
    if (action == "add") {
      event.action = StreamEvent::Action::kAdd;
    } else if (action == "remove") {
      event.action = StreamEvent::Action::kRemove;
    } else {
      return Bad(absl::StrCat(where, ".action"), "\"add\" or \"remove\"");
    }
    if (!item.HasMember("streamId") || !item["streamId"].IsString()) {
      return Bad(absl::StrCat(where, ".streamId"), "a string");
    }
    event.stream_id = item["streamId"].GetString();
    const bool has_offset = item.HasMember("offsetMs");
    const bool has_time = item.HasMember("timeMs");
    if (has_offset == has_time)
      return Bad(where, "given exactly one of \"offsetMs\" and \"timeMs\"");
    const char* time_key = has_offset ? "offsetMs" : "timeMs";
    if (!item[time_key].IsInt64() || item[time_key].GetInt64() < 0) {
      return Bad(absl::StrCat(where, ".", time_key), "a non-negative integer (ms)");
    }
    (has_offset ? event.offset_ms : event.time_ms) = item[time_key].GetInt64();
    for (const char* key : {"hasAudio", "hasVideo"}) {
      if (!item.HasMember(key)) continue;
      if (!item[key].IsBool()) return Bad(absl::StrCat(where, ".", key), "true or false");
      (std::string(key) == "hasAudio" ? event.has_audio : event.has_video) = item[key].GetBool();
    }
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::vector<StreamEvent>> ReadEventsFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path, "events file"));
  auto parsed = ParseEventsFile(text);
  if (!parsed.ok()) return PrefixWithPath(path, parsed.status());
  return parsed;
}

}  // namespace rtparchive::replay
