#include "node/node_config.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/text_file.h"

namespace rtparchive::node {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("config: \"", field, "\" ", what));
}

}  // namespace

absl::StatusOr<NodeConfig> ParseNodeConfig(absl::string_view json) {
  rapidjson::Document document;
  document.Parse(json.data(), json.size());
  if (document.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: not JSON (", rapidjson::GetParseError_En(document.GetParseError()),
                     " at byte ", document.GetErrorOffset(), ")"));
  }
  if (!document.IsObject()) return absl::InvalidArgumentError("config: must be a JSON object");
  NodeConfig config;
  if (auto listen = document.FindMember("listen"); listen != document.MemberEnd()) {
    if (!listen->value.IsString()) return Bad("listen", "must be \"host:port\"");
    const std::string text = listen->value.GetString();
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(colon + 1), &config.listen_port) ||
        config.listen_port < 0 || config.listen_port > 65535) {
      return Bad("listen", "must be \"host:port\"");
    }
    config.listen_host = text.substr(0, colon);
  }
  if (auto media = document.FindMember("mediaAddress"); media != document.MemberEnd()) {
    if (!media->value.IsString()) return Bad("mediaAddress", "must be an IP address");
    config.media_address = media->value.GetString();
  }
  if (auto ports = document.FindMember("mediaPorts"); ports != document.MemberEnd()) {
    const rapidjson::Value& range = ports->value;
    if (!range.IsArray() || range.Size() != 2 || !range[0].IsInt() || !range[1].IsInt() ||
        range[0].GetInt() < 1024 || range[1].GetInt() > 65535 || range[0].GetInt() > range[1].GetInt()) {
      return Bad("mediaPorts", "must be [first, last] within 1024-65535");
    }
    config.media_port_min = range[0].GetInt();
    config.media_port_max = range[1].GetInt();
  }
  auto storage = document.FindMember("storage");
  if (storage == document.MemberEnd() || !storage->value.IsString() ||
      storage->value.GetStringLength() == 0) {
    return Bad("storage", "is required: the folder archives are written to");
  }
  config.storage = storage->value.GetString();
  auto credentials = document.FindMember("credentials");
  if (credentials == document.MemberEnd() || !credentials->value.IsArray() ||
      credentials->value.Empty()) {
    return Bad("credentials", "is required: [{\"apiKey\": 123, \"apiSecret\": \"...\"}]");
  }
  for (const rapidjson::Value& entry : credentials->value.GetArray()) {
    if (!entry.IsObject() || !entry.HasMember("apiKey") || !entry["apiKey"].IsInt64() ||
        entry["apiKey"].GetInt64() <= 0 || !entry.HasMember("apiSecret") ||
        !entry["apiSecret"].IsString() || entry["apiSecret"].GetStringLength() == 0) {
      return Bad("credentials", "entries need a positive integer apiKey and a non-empty apiSecret");
    }
    config.secrets[entry["apiKey"].GetInt64()] = entry["apiSecret"].GetString();
  }
  if (auto limits = document.FindMember("limits"); limits != document.MemberEnd()) {
    if (!limits->value.IsObject()) return Bad("limits", "must be an object");
    const auto seconds = [&](const char* key, int64_t* target_us) -> absl::Status {
      auto value = limits->value.FindMember(key);
      if (value == limits->value.MemberEnd()) return absl::OkStatus();
      if (!value->value.IsInt64() || value->value.GetInt64() <= 0) return Bad(key, "must be positive");
      *target_us = value->value.GetInt64() * 1'000'000;
      return absl::OkStatus();
    };
    if (auto max = limits->value.FindMember("maxStreams"); max != limits->value.MemberEnd()) {
      if (!max->value.IsInt() || max->value.GetInt() <= 0) return Bad("maxStreams", "must be positive");
      config.limits.max_streams = max->value.GetInt();
    }
    for (auto [key, target] : {std::pair{"maxRecordedSeconds", &config.limits.max_recorded_us},
                               std::pair{"maxTotalSeconds", &config.limits.max_total_us},
                               std::pair{"maxPausedSeconds", &config.limits.max_paused_us},
                               std::pair{"noStreamSeconds", &config.no_stream_stop_us},
                               std::pair{"sessionEndedSeconds", &config.session_ended_stop_us}}) {
      RETURN_IF_ERROR(seconds(key, target));
    }
  }
  if (auto targets = document.FindMember("storageTargets"); targets != document.MemberEnd()) {
    if (!targets->value.IsObject()) return Bad("storageTargets", "must be an object: {\"<apiKey>\": {...}}");
    for (auto it = targets->value.MemberBegin(); it != targets->value.MemberEnd(); ++it) {
      int64_t api_key = 0;
      if (!absl::SimpleAtoi(it->name.GetString(), &api_key) || !config.secrets.count(api_key)) {
        return Bad("storageTargets", absl::StrCat("\"", it->name.GetString(), "\" is not an API key of \"credentials\""));
      }
      ASSIGN_OR_RETURN(config.storage_targets[api_key], ParseStorageTarget(it->value));
    }
  }
  if (auto upload = document.FindMember("upload"); upload != document.MemberEnd()) {
    if (!upload->value.IsObject()) return Bad("upload", "must be an object");
    for (auto [key, target] : {std::pair{"attempts", static_cast<int64_t*>(nullptr)},
                               std::pair{"firstDelayMs", &config.upload_retry.first_delay_ms},
                               std::pair{"maxDelayMs", &config.upload_retry.max_delay_ms}}) {
      auto value = upload->value.FindMember(key);
      if (value == upload->value.MemberEnd()) continue;
      if (!value->value.IsInt() || value->value.GetInt() <= 0) return Bad(key, "must be a positive integer");
      if (target != nullptr) *target = value->value.GetInt();
      else config.upload_retry.attempts = value->value.GetInt();
    }
    if (auto threads = upload->value.FindMember("threads"); threads != upload->value.MemberEnd()) {
      if (!threads->value.IsInt() || threads->value.GetInt() <= 0 || threads->value.GetInt() > 64) {
        return Bad("threads", "must be 1-64");
      }
      config.upload_threads = threads->value.GetInt();
    }
  }
  return config;
}

absl::StatusOr<NodeConfig> ReadNodeConfig(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path, "config file"));
  auto config = ParseNodeConfig(text);
  if (!config.ok()) return PrefixWithPath(path, config.status());
  return config;
}

}  // namespace rtparchive::node
