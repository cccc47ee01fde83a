#include "replay/session_file.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/text_file.h"
#include "sdp/sdp_file.h"

namespace rtparchive::replay {
namespace {

absl::Status Bad(absl::string_view where, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("session file: ", where, " must be ", expected));
}

absl::Status ReadString(const rapidjson::Value& object, const char* key, absl::string_view where,
                        std::optional<std::string>* out) {
  if (!object.HasMember(key)) return absl::OkStatus();
  if (!object[key].IsString()) return Bad(absl::StrCat(where, ".", key), "a string");
  *out = std::string(object[key].GetString(), object[key].GetStringLength());
  return absl::OkStatus();
}

absl::Status ReadBool(const rapidjson::Value& object, const char* key, absl::string_view where,
                      bool* out) {
  if (!object.HasMember(key)) return absl::OkStatus();
  if (!object[key].IsBool()) return Bad(absl::StrCat(where, ".", key), "true or false");
  *out = object[key].GetBool();
  return absl::OkStatus();
}

// "vp8", "VP8/90000", "opus", "opus/48000/2" (SDP rtpmap style).
std::optional<PayloadTypeInfo> ParseFormat(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  const absl::string_view name = absl::string_view(lower).substr(0, lower.find('/'));
  if (name == "vp8") return PayloadTypeInfo{PayloadFormat::kVp8, 90000};
  if (name == "h264") return PayloadTypeInfo{PayloadFormat::kH264, 90000};
  if (name == "opus") return PayloadTypeInfo{PayloadFormat::kOpus, 48000};
  return std::nullopt;
}

// The "archive" object: the archive's fields, media and video codec.
absl::Status ParseArchiveFields(const rapidjson::Value& archive, SessionFile* session) {
  if (!archive.IsObject()) return Bad("archive", "an object");
  RETURN_IF_ERROR(ReadString(archive, "id", "archive", &session->archive_id));
  if (session->archive_id && !IsValidId(*session->archive_id)) {
    return Bad("archive.id", "1-200 letters, digits, '-', '_' or '.' (it names the manifest file)");
  }
  RETURN_IF_ERROR(ReadString(archive, "name", "archive", &session->name));
  RETURN_IF_ERROR(ReadString(archive, "sessionId", "archive", &session->session_id));
  if (archive.HasMember("partnerId")) {
    if (!archive["partnerId"].IsInt64() || archive["partnerId"].GetInt64() < 0) {
      return Bad("archive.partnerId", "a non-negative integer");
    }
    session->partner_id = archive["partnerId"].GetInt64();
  }
  RETURN_IF_ERROR(ReadBool(archive, "hasAudio", "archive", &session->has_audio));
  RETURN_IF_ERROR(ReadBool(archive, "hasVideo", "archive", &session->has_video));
  std::optional<std::string> codec;
  RETURN_IF_ERROR(ReadString(archive, "videoCodec", "archive", &codec));
  if (codec) {
    if (absl::AsciiStrToLower(*codec) == "vp8") {
      session->video_codec = VideoCodec::kVp8;
    } else if (absl::AsciiStrToLower(*codec) == "h264") {
      session->video_codec = VideoCodec::kH264;
    } else {
      return Bad("archive.videoCodec", "\"vp8\" or \"h264\"");
    }
  }
  return absl::OkStatus();
}

// "payloadTypes": {"96": "H264/90000"} or {"96": {"encoding": "H264/90000",
// "fmtp": "..."}} to give H.264 parameter sets out of band as an SDP would.
absl::Status ParsePayloadTypes(const rapidjson::Value& types, SessionFile* session) {
  if (!types.IsObject()) return Bad("payloadTypes", "an object like {\"96\": \"VP8/90000\"}");
  for (auto it = types.MemberBegin(); it != types.MemberEnd(); ++it) {
    int payload_type = -1;
    const std::string key = it->name.GetString();
    if (!absl::SimpleAtoi(key, &payload_type) || payload_type < 0 || payload_type > 127) {
      return Bad(absl::StrCat("payloadTypes key \"", key, "\""), "a payload type 0-127");
    }
    const rapidjson::Value& value = it->value;
    const rapidjson::Value* encoding = &value;
    if (value.IsObject()) {
      if (!value.HasMember("encoding"))
        return Bad(absl::StrCat("payloadTypes.", key), "given an \"encoding\"");
      encoding = &value["encoding"];
    }
    std::optional<PayloadTypeInfo> format;
    if (encoding->IsString()) format = ParseFormat(encoding->GetString());
    if (!format) {
      return Bad(absl::StrCat("payloadTypes.", key),
                 "\"VP8/90000\", \"H264/90000\" or \"opus/48000/2\"");
    }
    if (value.IsObject() && value.HasMember("fmtp")) {
      if (!value["fmtp"].IsString())
        return Bad(absl::StrCat("payloadTypes.", key, ".fmtp"), "a string");
      if (absl::Status status =
              sdp::ParseSpropParameterSets(value["fmtp"].GetString(), &format->parameter_sets);
          !status.ok()) {
        return Bad(absl::StrCat("payloadTypes.", key, ".fmtp"), status.message());
      }
    }
    session->payload_types[payload_type] = *format;
  }
  return absl::OkStatus();
}

// One of "streams": its ID, fields, media, and how its packets are found.
absl::Status ParseStream(const rapidjson::Value& item, const std::string& where, SessionStream* out) {
  SessionStream& stream = *out;
  if (!item.IsObject()) return Bad(where, "an object");
  std::optional<std::string> text;
  RETURN_IF_ERROR(ReadString(item, "streamId", where, &text));
  if (!text || !IsValidId(*text)) {
    return Bad(absl::StrCat(where, ".streamId"),
               "1-200 letters, digits, '-', '_' or '.', not starting with '.' (it names files)");
  }
  stream.options.stream_id = *text;
  text.reset();
  RETURN_IF_ERROR(ReadString(item, "connectionData", where, &text));
  stream.options.connection_data = text.value_or("");
  text.reset();
  RETURN_IF_ERROR(ReadString(item, "videoType", where, &text));
  if (text) {
    auto type = ParseVideoType(*text);
    if (!type)
      return Bad(absl::StrCat(where, ".videoType"), "\"camera\", \"screen\" or \"custom\"");
    stream.options.video_type = *type;
  }
  RETURN_IF_ERROR(ReadBool(item, "hasAudio", where, &stream.options.has_audio));
  RETURN_IF_ERROR(ReadBool(item, "hasVideo", where, &stream.options.has_video));
  if (item.HasMember("ssrcs")) {
    const rapidjson::Value& ssrcs = item["ssrcs"];
    if (!ssrcs.IsArray()) return Bad(absl::StrCat(where, ".ssrcs"), "an array of integers");
    for (const rapidjson::Value& ssrc : ssrcs.GetArray()) {
      if (!ssrc.IsUint())
        return Bad(absl::StrCat(where, ".ssrcs"), "an array of 32-bit integers");
      stream.ssrcs.push_back(ssrc.GetUint());
    }
  }
  text.reset();
  RETURN_IF_ERROR(ReadString(item, "cname", where, &text));
  stream.cname = text.value_or("");
  text.reset();
  RETURN_IF_ERROR(ReadString(item, "source", where, &text));
  stream.source = text.value_or("");
  if (stream.ssrcs.empty() && stream.cname.empty() && stream.source.empty()) {
    return Bad(where, "given \"ssrcs\", \"cname\" or \"source\" to find its packets");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SessionFile> ParseSessionFile(absl::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "session file is not valid JSON: ", rapidjson::GetParseError_En(document.GetParseError()),
        " at byte ", document.GetErrorOffset()));
  }
  if (!document.IsObject()) return Bad("the top level", "an object");
  SessionFile session;
  if (document.HasMember("archive")) RETURN_IF_ERROR(ParseArchiveFields(document["archive"], &session));
  if (document.HasMember("payloadTypes")) {
    RETURN_IF_ERROR(ParsePayloadTypes(document["payloadTypes"], &session));
  }
  if (!document.HasMember("streams") || !document["streams"].IsArray()) {
    return Bad("streams",
               "an array of streams (each with a streamId and an ssrcs, cname or source)");
  }
  const rapidjson::Value& streams = document["streams"];
  for (rapidjson::SizeType i = 0; i < streams.Size(); ++i) {
    SessionStream stream;
    RETURN_IF_ERROR(ParseStream(streams[i], absl::StrCat("streams[", i, "]"), &stream));
    session.streams.push_back(std::move(stream));
  }
  return session;
}

absl::StatusOr<SessionFile> ReadSessionFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path, "session file"));
  auto parsed = ParseSessionFile(text);
  if (!parsed.ok()) return PrefixWithPath(path, parsed.status());
  return parsed;
}

}  // namespace rtparchive::replay
