// The recording node's archive routes: start, stop, list, get, delete,
// download and the streams of a manual archive (see node_impl.h).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/json_fields.h"
#include "base/system_clock.h"
#include "node/node_impl.h"

namespace rtparchive::node {

void Node::Impl::StartArchive(int64_t api_key, const http::Request& request,
                              http::Response& response) {
  rapidjson::Document body;
  if (auto failure = ParseBody(request.body, &body)) return Reply(response, *failure);
  ArchiveRecord record;
  std::string output_mode = "individual", stream_mode = "auto";
  for (auto failure : {OptionalString(body, "sessionId", &record.session_id),
                       OptionalString(body, "name", &record.name),
                       OptionalString(body, "outputMode", &output_mode),
                       OptionalString(body, "streamMode", &stream_mode),
                       OptionalString(body, "multiArchiveTag", &record.multi_archive_tag),
                       OptionalBool(body, "hasAudio", &record.has_audio),
                       OptionalBool(body, "hasVideo", &record.has_video)}) {
    if (failure) return Reply(response, *failure);
  }
  if (record.session_id.empty()) return Reply(response, {400, "\"sessionId\" is required"});
  if (output_mode != "individual") {
    return Reply(response, {400,
                            "this node records individual stream archives only: "
                            "\"outputMode\" must be \"individual\""});
  }
  if (stream_mode != "auto" && stream_mode != "manual") {
    return Reply(response, {400, "\"streamMode\" must be \"auto\" or \"manual\""});
  }
  if (!record.has_audio && !record.has_video) {
    return Reply(response, {400, "\"hasAudio\" and \"hasVideo\" cannot both be false"});
  }
  record.manual = stream_mode == "manual";
  record.api_key = api_key;
  record.id = RandomUuid();
  record.created_at_ms = SystemTimeUs() / 1000;
  std::vector<StreamOptions> streams;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) return Reply(response, {503, "the node is shutting down"});
    for (const auto& [id, other] : records_) {
      if (other.api_key == api_key && other.session_id == record.session_id && other.recording() &&
          other.multi_archive_tag == record.multi_archive_tag) {
        return Reply(response, {409, absl::StrCat("session is already being recorded by archive ",
                                                  id, " (give another multiArchiveTag)")});
      }
    }
    for (const auto& [port, stream] : streams_by_port_) {
      if (stream.api_key == api_key && stream.session_id == record.session_id)
        streams.push_back(stream.options);
    }
  }
  // The seeds: a session is recorded only while a client is connected.
  if (streams.empty()) {
    return Reply(response,
                 {400, absl::StrCat("no publisher is connected to session ", record.session_id,
                                    ": announce its stream (POST .../session/", record.session_id,
                                    "/stream) before starting")});
  }
  ArchiveOptions options;
  options.id = record.id;
  options.name = record.name;
  options.session_id = record.session_id;
  options.partner_id = api_key;
  options.output_path = ZipPath(record.id);
  options.write_zip = false;  // stop -> available in constant time: the ZIP is served as pieces
  options.started_at_us = record.created_at_ms * 1000;
  options.has_audio = record.has_audio;
  options.has_video = record.has_video;
  options.limits = config_.limits;
  options.on_log = [this, id = record.id](absl::string_view line) {
    log_(absl::StrCat("archive ", id, ": ", line));
  };
  std::vector<PayloadFormat> offered;
  for (const StreamOptions& stream : streams) {
    for (const auto& [payload_type, format] : stream.payload_types) offered.push_back(format.format);
  }
  options.video_codec = record.video_codec = ChooseVideoCodec(offered);
  ArchiveCallbacks callbacks;
  callbacks.on_status = [this, id = record.id](const StatusChange& change) {
    OnStatus(id, change);
  };
  callbacks.on_keyframe_needed = [this, id = record.id](const KeyframeRequest& keyframe) {
    OnKeyframeNeeded(id, keyframe);
  };
  auto archive = Archive::Start(options, callbacks);
  if (!archive.ok()) return Reply(response, {500, std::string(archive.status().message())});
  std::shared_ptr<Archive> shared(std::move(*archive));
  std::string json;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!record.manual) {
      for (const StreamOptions& stream : streams) {
        if (shared->AddStream(stream).ok()) {
          record.streams[stream.stream_id] = {stream.has_audio, stream.has_video};
          added_[record.id].insert(stream.stream_id);
        }
      }
    }
    records_[record.id] = record;
    archives_[record.id] = shared;
    SaveRecord(record);
    json = ArchiveJson(record, "");
  }
  NotifyCallbacks(record);
  ReplyJson(response, json);
}

std::optional<Failure> Node::Impl::Known(int64_t api_key, const std::string& id) {
  auto record = records_.find(id);
  if (record == records_.end() || record->second.api_key != api_key) {
    return Failure{404, absl::StrCat("no archive ", id)};
  }
  return std::nullopt;
}

void Node::Impl::StopArchive(int64_t api_key, const http::Request& request,
                             http::Response& response) {
  const std::string id = request.matches[2];
  std::shared_ptr<Archive> archive;
  ArchiveRecord snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, id)) return Reply(response, *failure);
    auto found = archives_.find(id);
    if (found == archives_.end() || !records_[id].recording()) {
      return Reply(response, {409, absl::StrCat("archive ", id, " is not being recorded (",
                                                ToString(records_[id].status), ")")});
    }
    archive = found->second;
    stop_reasons_[id] = "user initiated";
    snapshot = records_[id];
  }
  archive->Stop().IgnoreError();  // the status callbacks record the outcome
  // Answered as documented: the archive as it stopped.
  snapshot.status = ArchiveStatus::kStopped;
  snapshot.reason = "user initiated";
  ReplyJson(response, ArchiveJson(snapshot, ""));
}

void Node::Impl::ListArchives(int64_t api_key, const http::Request& request,
                              http::Response& response) {
  int64_t offset = 0, count = 50;
  if ((request.has_param("offset") &&
       !absl::SimpleAtoi(request.get_param_value("offset"), &offset)) ||
      (request.has_param("count") && !absl::SimpleAtoi(request.get_param_value("count"), &count)) ||
      offset < 0 || count < 0 || count > 1000) {
    return Reply(response, {400, "offset must be >= 0 and count 0-1000"});
  }
  const std::string session = request.get_param_value("sessionId");
  std::vector<ArchiveRecord> matching;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, record] : records_) {
      if (record.api_key == api_key && (session.empty() || record.session_id == session))
        matching.push_back(record);
    }
  }
  std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms > b.created_at_ms : a.id < b.id;
  });
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  WriteMember(json, "count", matching.size());
  json.Key("items");
  json.StartArray();
  for (int64_t i = offset; i < static_cast<int64_t>(matching.size()) && i < offset + count; ++i) {
    const std::string item = ArchiveJson(matching[i], DownloadUrl(matching[i]));
    json.RawValue(item.data(), item.size(), rapidjson::kObjectType);
  }
  json.EndArray();
  json.EndObject();
  ReplyJson(response, buffer.GetString());
}

void Node::Impl::GetArchive(int64_t api_key, const http::Request& request,
                            http::Response& response) {
  const std::string id = request.matches[2];
  std::lock_guard<std::mutex> lock(mu_);
  if (auto failure = Known(api_key, id)) return Reply(response, *failure);
  ReplyJson(response, ArchiveJson(records_[id], DownloadUrl(records_[id])));
}

void Node::Impl::DeleteArchive(int64_t api_key, const http::Request& request,
                               http::Response& response) {
  const std::string id = request.matches[2];
  std::lock_guard<std::mutex> lock(mu_);
  if (auto failure = Known(api_key, id)) return Reply(response, *failure);
  const ArchiveStatus status = records_[id].status;
  if (status != ArchiveStatus::kAvailable && status != ArchiveStatus::kFailed &&
      status != ArchiveStatus::kUploaded) {
    return Reply(response,
                 {409, absl::StrCat("archive ", id, " is ", ToString(status),
                                    records_[id].upload_pending ? " and being uploaded" : "",
                                    ": only an available, uploaded or failed archive can be deleted")});
  }
  zips_.Remove(id);
  if (absl::Status removed = state_.RemoveRecord(id); !removed.ok())
    log_(std::string(removed.message()));
  records_.erase(id);
  response.status = 204;
}

void Node::Impl::Download(int64_t api_key, const http::Request& request,
                          http::Response& response) {
  const std::string id = request.matches[2];
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, id)) return Reply(response, *failure);
    if (records_[id].status != ArchiveStatus::kAvailable) {
      return Reply(response,
                   {409, absl::StrCat("archive ", id, " is ", ToString(records_[id].status),
                                      records_[id].status == ArchiveStatus::kUploaded
                                          ? ": it is in your storage, under " + ObjectName(api_key, id)
                                          : "")});
    }
  }
  // Opened here: a DELETE while the client reads leaves this copy readable.
  auto body = zips_.OpenBody(id);
  if (!body.ok()) {
    log_(absl::StrCat("archive ", id, ": cannot be downloaded: ", body.status().message()));
    return Reply(response, {absl::IsNotFound(body.status()) ? 404 : 500, std::string(body.status().message())});
  }
  response.set_header("Content-Disposition", absl::StrCat("attachment; filename=\"", id, ".zip\""));
  response.set_pieces(*std::move(body), "application/zip");
}

void Node::Impl::PatchStreams(int64_t api_key, const http::Request& request,
                              http::Response& response) {
  const std::string id = request.matches[2];
  rapidjson::Document body;
  if (auto failure = ParseBody(request.body, &body)) return Reply(response, *failure);
  std::string add, remove;
  bool has_audio = true, has_video = true;
  for (auto failure :
       {OptionalString(body, "addStream", &add), OptionalString(body, "removeStream", &remove),
        OptionalBool(body, "hasAudio", &has_audio), OptionalBool(body, "hasVideo", &has_video)}) {
    if (failure) return Reply(response, *failure);
  }
  if (add.empty() == remove.empty()) {
    return Reply(response, {400, "give exactly one of \"addStream\" and \"removeStream\""});
  }
  std::shared_ptr<Archive> archive;
  StreamOptions stream;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, id)) return Reply(response, *failure);
    const ArchiveRecord& record = records_[id];
    if (!record.manual) return Reply(response, {400, "the archive's streamMode is \"auto\""});
    auto found = archives_.find(id);
    if (found == archives_.end() || !record.recording()) {
      return Reply(response, {409, absl::StrCat("archive ", id, " is not being recorded")});
    }
    archive = found->second;
    const std::string& stream_id = add.empty() ? remove : add;
    AnnouncedStream* announced = FindStream(api_key, record.session_id, stream_id);
    if (announced == nullptr && !add.empty()) {
      return Reply(response,
                   {404, absl::StrCat("stream ", stream_id, " is not announced in session ",
                                      record.session_id)});
    }
    if (announced) stream = announced->options;
  }
  absl::Status status;
  if (!add.empty()) {
    stream.has_audio = stream.has_audio && has_audio;
    stream.has_video = stream.has_video && has_video;
    status = archive->AddStream(stream);
  } else {
    status = archive->RemoveStream(remove);
  }
  if (!status.ok()) {
    const int code = status.code() == absl::StatusCode::kNotFound          ? 404
                     : status.code() == absl::StatusCode::kInvalidArgument ? 400
                                                                           : 409;
    return Reply(response, {code, std::string(status.message())});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!add.empty()) {
    records_[id].streams[add] = {stream.has_audio, stream.has_video};
    added_[id].insert(add);
  } else {
    added_[id].erase(remove);
  }
  SaveRecord(records_[id]);
  response.status = 204;
}
}  // namespace rtparchive::node
