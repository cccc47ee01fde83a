// The recording node's callback and stream routes: status callbacks, and
// publishers' streams announced and withdrawn (see node_impl.h).

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/json_fields.h"
#include "base/system_clock.h"
#include "node/node_impl.h"
#include "node/source_rules.h"

namespace rtparchive::node {

void Node::Impl::AddCallback(int64_t api_key, const http::Request& request,
                             http::Response& response) {
  CallbackRegistration callback;
  if (auto failure = RegisterCallback(api_key, request, /*all_fields=*/false, &callback)) {
    return Reply(response, *failure);
  }
  ReplyJson(response, CallbackJson(callback));
}

std::optional<Failure> Node::Impl::RegisterCallback(int64_t api_key,
                                                    const http::Request& request,
                                                    bool all_fields,
                                                    CallbackRegistration* callback) {
  if (all_fields && request.body.size() > 8096) {
    return Failure{400, "the callback's JSON is over 8096 bytes"};
  }
  rapidjson::Document body;
  if (auto failure = ParseBody(request.body, &body)) return failure;
  if (all_fields &&
      !(body.HasMember("url") && body.HasMember("group") && body.HasMember("event"))) {
    return Failure{400, "give \"url\", \"group\": \"archive\" and \"event\": \"status\""};
  }
  std::string url, group = "archive", event = "status";
  for (auto failure : {OptionalString(body, "url", &url), OptionalString(body, "group", &group),
                       OptionalString(body, "event", &event)}) {
    if (failure) return failure;
  }
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Failure{400, "\"url\" must be an http:// or https:// URL"};
  }
  if (group != "archive" || event != "status") {
    return Failure{400, "only \"group\": \"archive\", \"event\": \"status\" callbacks exist"};
  }
  *callback = CallbackRegistration{RandomUuid(), api_key, url, SystemTimeUs() / 1000};
  std::lock_guard<std::mutex> lock(mu_);
  callbacks_.push_back(*callback);
  SaveCallbacks();
  return std::nullopt;
}

std::string Node::Impl::CallbackJson(const CallbackRegistration& callback, bool seeds_shape) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  WriteMember(json, "id", callback.id);
  WriteMember(json, "url", callback.url);
  json.Key("group");
  json.String("archive");
  json.Key("event");
  json.String("status");
  json.Key("createdAt");
  if (seeds_shape) {
    // The seeds write times as "2013-12-08 17:14:52.0" (UTC), and updatedAt.
    const std::string time = absl::FormatTime(
        "%Y-%m-%d %H:%M:%E1S", absl::FromUnixMillis(callback.created_at_ms), absl::UTCTimeZone());
    json.String(time.c_str());
    WriteMember(json, "updatedAt", time);
  } else {
    json.Int64(callback.created_at_ms);
  }
  json.EndObject();
  return buffer.GetString();
}

void Node::Impl::ListCallbacks(int64_t api_key, const http::Request&,
                               http::Response& response) {
  ReplyCallbackList(api_key, /*seeds_shape=*/false, response);
}

void Node::Impl::ReplyCallbackList(int64_t api_key, bool seeds_shape, http::Response& response) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartArray();
  std::lock_guard<std::mutex> lock(mu_);
  for (const CallbackRegistration& callback : callbacks_) {
    if (callback.api_key != api_key) continue;
    const std::string item = CallbackJson(callback, seeds_shape);
    json.RawValue(item.data(), item.size(), rapidjson::kObjectType);
  }
  json.EndArray();
  ReplyJson(response, buffer.GetString());
}

void Node::Impl::DeleteCallback(int64_t api_key, const http::Request& request,
                                http::Response& response) {
  const std::string id = request.matches[2];
  std::lock_guard<std::mutex> lock(mu_);
  auto found = std::find_if(callbacks_.begin(), callbacks_.end(), [&](const auto& callback) {
    return callback.id == id && callback.api_key == api_key;
  });
  if (found == callbacks_.end()) return Reply(response, {404, absl::StrCat("no callback ", id)});
  callbacks_.erase(found);
  SaveCallbacks();
  response.status = 204;
}

void Node::Impl::AnnounceStream(int64_t api_key, const http::Request& request,
                                http::Response& response) {
  const std::string session_id = request.matches[2];
  rapidjson::Document body;
  if (auto failure = ParseBody(request.body, &body)) return Reply(response, *failure);
  StreamOptions options;
  std::string video_type = "camera", sdp, allowed_source;
  for (auto failure :
       {OptionalString(body, "streamId", &options.stream_id),
        OptionalString(body, "connectionData", &options.connection_data),
        OptionalString(body, "videoType", &video_type), OptionalString(body, "sdp", &sdp),
        OptionalString(body, "layer", &options.layer),
        OptionalString(body, "allowedSource", &allowed_source)}) {
    if (failure) return Reply(response, *failure);
  }
  if (!IsValidLayerChoice(options.layer)) {
    return Reply(response, {400, "\"layer\" must be high, low or a simulcast RID such as \"h\""});
  }
  if (!IsValidId(options.stream_id)) {
    return Reply(response, {400, "\"streamId\" is required: 1-200 letters, digits, '-', '_', '.'"});
  }
  std::optional<VideoType> type = ParseVideoType(video_type);
  if (!type) return Reply(response, {400, "\"videoType\" must be camera, screen or custom"});
  options.video_type = *type;
  if (sdp.empty()) {
    // Without an SDP: the payload types WebRTC and the GStreamer examples use.
    options.payload_types = {{96, {PayloadFormat::kVp8, 90000}},
                             {102, {PayloadFormat::kH264, 90000}},
                             {111, {PayloadFormat::kOpus, 48000}}};
  } else if (absl::Status described = DescribeStreamFromSdp(sdp, &options); !described.ok()) {
    return Reply(response, {400, absl::StrCat("\"sdp\": ", described.message())});
  }
  SourceRules sources;
  if (absl::Status listed = sdp.empty() ? absl::OkStatus() : AddSdpSources(sdp, &sources);
      !listed.ok()) {
    return Reply(response, {400, absl::StrCat("\"sdp\": ", listed.message())});
  }
  if (!allowed_source.empty()) {
    auto allowed = ParseAllowedSource(allowed_source);
    if (!allowed.ok()) {
      return Reply(response, {400, absl::StrCat("\"allowedSource\": ", allowed.status().message())});
    }
    sources.allowed = *allowed;
  }
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (FindStream(api_key, session_id, options.stream_id) != nullptr) {
      return Reply(response,
                   {409, absl::StrCat("stream ", options.stream_id, " is already announced")});
    }
    auto opened = media_.Open(std::move(sources));
    if (!opened.ok()) return Reply(response, {503, std::string(opened.status().message())});
    port = *opened;
    streams_by_port_[port] = {api_key, session_id, options, port, nullptr, SystemTimeUs()};
  }
  JoinAutoArchives(api_key, session_id, options);
  ReplyJson(response, absl::StrCat("{\"streamId\":\"", options.stream_id, "\",\"address\":\"",
                                   config_.media_address, "\",\"port\":", port, "}"));
}

void Node::Impl::JoinAutoArchives(int64_t api_key, const std::string& session_id,
                                  const StreamOptions& options) {
  std::vector<std::pair<std::string, std::shared_ptr<Archive>>> auto_archives;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, archive] : archives_) {
      const ArchiveRecord& record = records_[id];
      if (record.api_key == api_key && record.session_id == session_id && !record.manual) {
        auto_archives.emplace_back(id, archive);
      }
    }
  }
  for (auto& [id, archive] : auto_archives) {
    if (!archive->AddStream(options).ok()) continue;  // over the limit: listed as not recorded
    std::lock_guard<std::mutex> lock(mu_);
    records_[id].streams[options.stream_id] = {options.has_audio, options.has_video};
    added_[id].insert(options.stream_id);
    SaveRecord(records_[id]);
  }
}

void Node::Impl::WithdrawStream(int64_t api_key, const http::Request& request,
                                http::Response& response) {
  const std::string session_id = request.matches[2], stream_id = request.matches[3];
  if (!RemoveStream(api_key, session_id, stream_id)) {
    return Reply(response, {404, absl::StrCat("stream ", stream_id, " is not announced")});
  }
  response.status = 204;
}

bool Node::Impl::RemoveStream(int64_t api_key, const std::string& session_id,
                              const std::string& stream_id) {
  std::vector<std::shared_ptr<Archive>> recording;
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    AnnouncedStream* stream = FindStream(api_key, session_id, stream_id);
    if (stream == nullptr) return false;
    port = stream->port;
    streams_by_port_.erase(port);
    // Stream IDs are a session's own: another session's archives may record
    // a stream of the same ID.
    for (auto& [id, archive] : archives_) {
      const ArchiveRecord& record = records_.at(id);
      if (record.api_key != api_key || record.session_id != session_id) continue;
      if (added_[id].erase(stream_id)) recording.push_back(archive);
    }
  }
  media_.Close(port);
  for (const auto& archive : recording) archive->RemoveStream(stream_id).IgnoreError();
  return true;
}

}  // namespace rtparchive::node
