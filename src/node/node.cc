#include "node/node.h"

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/system_clock.h"
#include "base/stable_id.h"
#include "base/text_file.h"
#include "node/archive_record.h"
#include "node/callback_sender.h"
#include "node/download_link.h"
#include "node/jwt.h"
#include "node/media_ports.h"
#include "node/state_store.h"
#include "rtp/rtcp_packet.h"
#include "rtparchive/archive.h"

namespace rtparchive::node {
namespace {

// How far the clock of the machine that signs a JWT may be from the node's.
constexpr int64_t kTokenLeewaySeconds = 60;

std::string RandomUuid() {
  std::random_device random;
  return StableUuid(absl::StrCat(random(), "-", random(), "-", random(), "-", SystemTimeUs()));
}

// The SSRC the node's RTCP feedback is sent from.
constexpr uint32_t kNodeSsrc = 0x72617263;  // "rarc"

std::string ErrorJson(int code, const std::string& message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("code");
  json.Int(code);
  json.Key("message");
  json.String(message.c_str(), static_cast<rapidjson::SizeType>(message.size()));
  json.EndObject();
  return buffer.GetString();
}

// A request's problem, as the HTTP status and message to answer with.
struct Failure {
  int code;
  std::string message;
};

// The JSON object a request sent, or the 400 that says why it is not one.
std::optional<Failure> ParseBody(const httplib::Request& request, rapidjson::Document* body) {
  body->Parse(request.body.c_str(), request.body.size());
  if (body->HasParseError() || !body->IsObject()) {
    return Failure{400, "the request body must be a JSON object"};
  }
  return std::nullopt;
}

// Reads an optional member of the expected type; a wrong type is a 400.
std::optional<Failure> OptionalString(const rapidjson::Value& body, const char* key,
                                      std::string* value) {
  auto member = body.FindMember(key);
  if (member == body.MemberEnd() || member->value.IsNull()) return std::nullopt;
  if (!member->value.IsString()) return Failure{400, absl::StrCat("\"", key, "\" must be a string")};
  *value = member->value.GetString();
  return std::nullopt;
}

std::optional<Failure> OptionalBool(const rapidjson::Value& body, const char* key, bool* value) {
  auto member = body.FindMember(key);
  if (member == body.MemberEnd() || member->value.IsNull()) return std::nullopt;
  if (!member->value.IsBool()) return Failure{400, absl::StrCat("\"", key, "\" must be true or false")};
  *value = member->value.GetBool();
  return std::nullopt;
}

struct AnnouncedStream {
  int64_t api_key = 0;
  std::string session_id;
  StreamOptions options;
  int port = 0;
};

}  // namespace

class Node::Impl {
 public:
  Impl(NodeConfig config, LogFunction log)
      : config_(std::move(config)),
        log_(std::move(log)),
        state_(config_.storage + "/state"),
        callbacks_out_([this](const std::string& line) { log_(line); }),
        media_(config_.media_address, config_.media_port_min, config_.media_port_max,
               [this](int port, absl::Span<const uint8_t> packet, int64_t at) {
                 OnPacket(port, packet, at);
               }) {}

  ~Impl() {
    timer_stop_ = true;
    if (timer_.joinable()) timer_.join();
  }

  absl::Status Init() {
    if (absl::Status created = state_.Create(); !created.ok()) return created;
    LoadState();
    RegisterRoutes();
    if (!server_.bind_to_port(config_.listen_host, config_.listen_port)) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen_host, ":",
                                                 config_.listen_port,
                                                 ": is the port taken? change \"listen\""));
    }
    timer_ = std::thread([this] { Tick(); });
    return absl::OkStatus();
  }

  void Serve() { server_.listen_after_bind(); }

  void Shutdown() {
    std::vector<std::pair<std::string, std::shared_ptr<Archive>>> recording;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutting_down_) return;
      shutting_down_ = true;
      recording.assign(archives_.begin(), archives_.end());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, archive] : recording) stop_reasons_.emplace(id, "node shut down");
    }
    for (auto& [id, archive] : recording) {
      archive->Stop().IgnoreError();  // the status callbacks record the outcome
    }
    server_.stop();
  }

  int port() const { return config_.listen_port; }

 private:
  // ---- media -------------------------------------------------------------

  void OnPacket(int port, absl::Span<const uint8_t> packet, int64_t arrival_time_us) {
    std::vector<std::shared_ptr<Archive>> targets;
    std::string stream_id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto stream = streams_by_port_.find(port);
      if (stream == streams_by_port_.end()) return;
      stream_id = stream->second.options.stream_id;
      for (const auto& [id, archive] : archives_) {
        ArchiveRecord& record = records_.at(id);
        if (record.session_id == stream->second.session_id &&
            record.api_key == stream->second.api_key && added_[id].count(stream_id)) {
          targets.push_back(archive);
          record.media_seen = true;
        }
      }
    }
    for (const auto& archive : targets) {
      // A stopped archive refuses packets; its status callback says why.
      archive->PushPacket(stream_id, packet, arrival_time_us).IgnoreError();
    }
  }

  void OnKeyframeNeeded(const std::string& archive_id, const KeyframeRequest& request) {
    int port = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const ArchiveRecord& record = records_[archive_id];
      auto stream = FindStream(record.api_key, record.session_id, request.stream_id);
      if (stream == nullptr) return;
      port = stream->port;
    }
    media_.SendBack(port, rtp::BuildPli(kNodeSsrc, request.ssrc));
  }

  AnnouncedStream* FindStream(int64_t api_key, const std::string& session_id,
                              const std::string& stream_id) {
    for (auto& [port, stream] : streams_by_port_) {
      if (stream.api_key == api_key && stream.session_id == session_id &&
          stream.options.stream_id == stream_id) {
        return &stream;
      }
    }
    return nullptr;
  }

  // ---- archive status -----------------------------------------------------

  void OnStatus(const std::string& archive_id, const StatusChange& change) {
    const bool ended =
        change.status == ArchiveStatus::kAvailable || change.status == ArchiveStatus::kFailed;
    std::shared_ptr<Archive> archive;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto found = archives_.find(archive_id);
      if (found != archives_.end()) archive = found->second;
      ArchiveRecord& record = records_[archive_id];
      record.status = ToString(change.status);
      if (change.status == ArchiveStatus::kStopped) {
        auto reason = stop_reasons_.find(archive_id);
        record.reason = reason != stop_reasons_.end() ? reason->second : change.reason;
      } else if (change.status != ArchiveStatus::kAvailable) {
        record.reason = change.reason;  // available keeps the stop's reason
      }
    }
    // The archive ended: its result is ready (Stop only returns it), outside
    // the lock since Stop may call back here.
    std::optional<ArchiveResult> result;
    if (archive && ended) {
      if (auto stopped = archive->Stop(); stopped.ok()) result = std::move(*stopped);
    }
    ArchiveRecord snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ArchiveRecord& record = records_[archive_id];
      if (result) SetOutcome(*result, &record);
      if (archive && ended) {
        archives_.erase(archive_id);
        added_.erase(archive_id);
      }
      snapshot = record;
      SaveRecord(snapshot);
    }
    NotifyCallbacks(snapshot);
  }

  // Size and duration (s, rounded) of a finished archive.
  static void SetOutcome(const ArchiveResult& result, ArchiveRecord* record) {
    record->size = result.zip_size;
    int64_t last_ms = 0;
    for (const FileResult& file : result.files) last_ms = std::max(last_ms, file.stop_time_offset_ms);
    record->duration_s = (last_ms + 500) / 1000;
  }

  void NotifyCallbacks(const ArchiveRecord& record) {
    std::vector<std::string> urls;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const CallbackRegistration& callback : callbacks_) {
        if (callback.api_key == record.api_key) urls.push_back(callback.url);
      }
    }
    const std::string body = ArchiveJson(record, DownloadUrl(record), /*event=*/true);
    for (const std::string& url : urls) callbacks_out_.Post(url, body);
  }

  // A link valid for kDownloadLinkSeconds from now that needs no auth header.
  std::string DownloadUrl(const ArchiveRecord& record) const {
    auto secret = config_.secrets.find(record.api_key);
    if (secret == config_.secrets.end()) return "";
    return absl::StrCat("http://", config_.listen_host, ":", config_.listen_port, "/v2/project/",
                        record.api_key, "/archive/", record.id, "/download?",
                        DownloadLinkQuery(secret->second, record.id,
                                          absl::ToUnixSeconds(absl::Now()) + kDownloadLinkSeconds));
  }

  std::string ZipPath(const std::string& id) const { return config_.storage + "/" + id + ".zip"; }

  // Applies the time rules (pause, limits) while no packets come.
  void Tick() {
    while (!timer_stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::vector<std::shared_ptr<Archive>> recording;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& [id, archive] : archives_) recording.push_back(archive);
      }
      const int64_t now = SystemTimeUs();
      for (const auto& archive : recording) archive->AdvanceTime(now).IgnoreError();
      for (const auto& archive : ArchivesTheSessionRulesStop(now)) archive->Stop().IgnoreError();
    }
  }

  // The seeds' session rules: an archive stops when no stream was published
  // within no_stream_stop_us of its start, or session_ended_stop_us after
  // its session's last publisher left.
  std::vector<std::shared_ptr<Archive>> ArchivesTheSessionRulesStop(int64_t now_us) {
    std::vector<std::shared_ptr<Archive>> stopping;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, archive] : archives_) {
      ArchiveRecord& record = records_.at(id);
      if (!record.recording() || stop_reasons_.count(id)) continue;
      const bool publisher = std::any_of(streams_by_port_.begin(), streams_by_port_.end(), [&](const auto& entry) {
        return entry.second.api_key == record.api_key && entry.second.session_id == record.session_id;
      });
      record.session_empty_since_us = publisher ? 0 : record.session_empty_since_us ? record.session_empty_since_us : now_us;
      if (!record.media_seen && now_us - record.created_at_ms * 1000 >= config_.no_stream_stop_us) {
        stop_reasons_[id] = absl::StrCat("no stream published within ", config_.no_stream_stop_us / 1'000'000,
                                         " s of the start");
      } else if (record.session_empty_since_us != 0 &&
                 now_us - record.session_empty_since_us >= config_.session_ended_stop_us) {
        stop_reasons_[id] = "session ended";
      } else {
        continue;
      }
      stopping.push_back(archive);
    }
    return stopping;
  }

  // ---- persistence -----------------------------------------------------------

  // A state write that fails is logged: the archive goes on, but a restart
  // would not know it as it is now.
  void SaveRecord(const ArchiveRecord& record) {
    if (absl::Status saved = state_.SaveRecord(record); !saved.ok()) {
      log_(absl::StrCat("archive ", record.id, ": its state was not saved: ", saved.message()));
    }
  }

  void SaveCallbacks() {
    if (absl::Status saved = state_.SaveCallbacks(callbacks_); !saved.ok()) {
      log_(absl::StrCat("the callbacks were not saved: ", saved.message()));
    }
  }

  // Lists the archives and callbacks of earlier runs; an archive a crash
  // left recording is finalised from its working folder.
  void LoadState() {
    std::vector<std::string> problems;
    callbacks_ = state_.LoadCallbacks(&problems);
    for (ArchiveRecord& record : state_.LoadRecords(&problems)) {
      if (record.recording() || record.status == "stopped") FinaliseAfterCrash(record);
      records_[record.id] = record;
    }
    for (const std::string& problem : problems) log_(problem);
  }

  void FinaliseAfterCrash(ArchiveRecord& record) {
    const std::string zip = ZipPath(record.id);
    auto result = RecoverArchive(zip + ".parts", zip);
    if (result.ok()) {
      record.status = "available";
      record.reason = "recovered after the node stopped unexpectedly";
      SetOutcome(*result, &record);
      std::filesystem::remove_all(zip + ".parts");
    } else {
      record.status = "failed";
      record.reason = absl::StrCat("the node stopped unexpectedly and nothing could be recovered: ",
                                   result.status().message());
    }
    log_(absl::StrCat("archive ", record.id, ": ", record.status, " (", record.reason, ")"));
    SaveRecord(record);
    pending_notifications_.push_back(record);
  }

  // ---- HTTP --------------------------------------------------------------------

  using Handler = std::function<void(int64_t api_key, const httplib::Request&, httplib::Response&)>;

  // Wraps a handler with the API key check (403) and JSON error answers.
  httplib::Server::Handler Authenticated(Handler handler) {
    return [this, handler](const httplib::Request& request, httplib::Response& response) {
      int64_t api_key = 0;
      if (auto failure = Authenticate(request, &api_key)) return Reply(response, *failure);
      handler(api_key, request, response);
    };
  }

  // The API key of the path, when the request proves it holds the key's
  // secret: X-OPENTOK-AUTH, an HS256 JWT as the official server SDKs sign
  // it (iss: the API key, ist: "project"), or X-TB-PARTNER-AUTH
  // <apiKey>:<apiSecret>.
  std::optional<Failure> Authenticate(const httplib::Request& request, int64_t* api_key) {
    const std::string path_key = request.matches[1].str();
    auto secret = config_.secrets.end();
    if (absl::SimpleAtoi(path_key, api_key)) secret = config_.secrets.find(*api_key);
    if (request.has_header("X-OPENTOK-AUTH")) {
      if (secret == config_.secrets.end()) {
        return Failure{403, absl::StrCat("API key ", path_key, " is not one of this node's")};
      }
      const int64_t now_s = absl::ToUnixSeconds(absl::Now());
      auto claims = VerifyHs256Jwt(request.get_header_value("X-OPENTOK-AUTH"), secret->second, now_s,
                                   kTokenLeewaySeconds);
      if (!claims.ok()) {
        return Failure{403, absl::StrCat("X-OPENTOK-AUTH refused: ", claims.status().message())};
      }
      if (claims->issuer != path_key || claims->issuer_type != "project") {
        return Failure{403, "X-OPENTOK-AUTH refused: its iss must be the API key in the path and "
                            "its ist \"project\""};
      }
      return std::nullopt;
    }
    const std::string auth = request.get_header_value("X-TB-PARTNER-AUTH");
    const size_t colon = auth.find(':');
    if (secret == config_.secrets.end() || colon == std::string::npos ||
        auth.substr(0, colon) != path_key || auth.substr(colon + 1) != secret->second) {
      return Failure{403,
                     "invalid credentials: send X-OPENTOK-AUTH (a JWT signed with the API secret, as "
                     "the server SDKs do) or X-TB-PARTNER-AUTH: <apiKey>:<apiSecret>"};
    }
    return std::nullopt;
  }

  static void Reply(httplib::Response& response, const Failure& failure) {
    response.status = failure.code;
    response.set_content(ErrorJson(failure.code, failure.message), "application/json");
  }

  static void ReplyJson(httplib::Response& response, const std::string& json) {
    response.status = 200;
    response.set_content(json, "application/json");
  }

  void RegisterRoutes() {
    const std::string project = R"(/v2/project/(\d+))";
    server_.Post(project + "/archive", Authenticated([this](auto&&... args) { StartArchive(args...); }));
    server_.Post(project + R"(/archive/([\w.-]+)/stop)",
                 Authenticated([this](auto&&... args) { StopArchive(args...); }));
    server_.Get(project + "/archive", Authenticated([this](auto&&... args) { ListArchives(args...); }));
    server_.Get(project + R"(/archive/([\w.-]+))",
                Authenticated([this](auto&&... args) { GetArchive(args...); }));
    server_.Delete(project + R"(/archive/([\w.-]+))",
                   Authenticated([this](auto&&... args) { DeleteArchive(args...); }));
    server_.Patch(project + R"(/archive/([\w.-]+)/streams)",
                  Authenticated([this](auto&&... args) { PatchStreams(args...); }));
    // The download link of get/list carries its own signature; without
    // one, the request is authenticated as any other.
    server_.Get(project + R"(/archive/([\w.-]+)/download)",
                [this, authenticated = Authenticated([this](auto&&... args) { Download(args...); })](
                    const httplib::Request& request, httplib::Response& response) {
                  if (!request.has_param("signature")) return authenticated(request, response);
                  int64_t api_key = 0;
                  auto secret = config_.secrets.end();
                  if (absl::SimpleAtoi(request.matches[1].str(), &api_key)) {
                    secret = config_.secrets.find(api_key);
                  }
                  if (secret == config_.secrets.end() ||
                      !DownloadLinkValid(secret->second, request.matches[2].str(),
                                         request.get_param_value("expires"),
                                         request.get_param_value("signature"),
                                         absl::ToUnixSeconds(absl::Now()))) {
                    return Reply(response, {403, "the download link is wrong or expired: get the "
                                                 "archive again for a fresh url"});
                  }
                  Download(api_key, request, response);
                });
    server_.Post(project + "/callback", Authenticated([this](auto&&... args) { AddCallback(args...); }));
    server_.Get(project + "/callback", Authenticated([this](auto&&... args) { ListCallbacks(args...); }));
    server_.Delete(project + R"(/callback/([\w.-]+))",
                   Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
    server_.Post(project + R"(/session/([^/]+)/stream)",
                 Authenticated([this](auto&&... args) { AnnounceStream(args...); }));
    server_.Delete(project + R"(/session/([^/]+)/stream/([\w.-]+))",
                   Authenticated([this](auto&&... args) { WithdrawStream(args...); }));
    // The seeds' routes: start and stop by "action" in the body, callbacks
    // registered and listed in the seeds' shapes; the rest as above.
    const std::string partner = R"(/v2/partner/(\d+))";
    server_.Post(partner + "/archive/?", Authenticated([this](auto&&... args) { PartnerStart(args...); }));
    server_.Post(partner + R"(/archive/([\w.-]+)/?)",
                 Authenticated([this](auto&&... args) { PartnerStop(args...); }));
    server_.Get(partner + "/archive/?", Authenticated([this](auto&&... args) { ListArchives(args...); }));
    server_.Get(partner + R"(/archive/([\w.-]+)/?)",
                Authenticated([this](auto&&... args) { GetArchive(args...); }));
    server_.Delete(partner + R"(/archive/([\w.-]+)/?)",
                   Authenticated([this](auto&&... args) { PartnerDelete(args...); }));
    server_.Post(partner + "/callback/?",
                 Authenticated([this](auto&&... args) { PartnerAddCallback(args...); }));
    server_.Get(partner + "/callback/?",
                Authenticated([this](auto&&... args) { PartnerListCallbacks(args...); }));
    server_.Delete(partner + R"(/callback/([\w.-]+)/?)",
                   Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
    // Whatever matched no route (or failed without a body) still answers JSON.
    server_.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      const std::string message =
          response.status == 404
              ? absl::StrCat("no route ", request.method, " ", request.path,
                             ": the API is under /v2/project/{apiKey}/ and /v2/partner/{apiKey}/")
              : absl::StrCat("HTTP ", response.status);
      response.set_content(ErrorJson(response.status, message), "application/json");
    });
    server_.set_payload_max_length(1 << 20);
    // Archives finalised at start-up are reported once the API is up.
    for (const ArchiveRecord& record : pending_notifications_) NotifyCallbacks(record);
    pending_notifications_.clear();
  }

  void StartArchive(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    rapidjson::Document body;
    if (auto failure = ParseBody(request, &body)) return Reply(response, *failure);
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
      return Reply(response, {400, "this node records individual stream archives only: "
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
      return Reply(response, {400, absl::StrCat("no publisher is connected to session ",
                                                record.session_id,
                                                ": announce its stream (POST .../session/",
                                                record.session_id, "/stream) before starting")});
    }
    ArchiveOptions options;
    options.id = record.id;
    options.name = record.name;
    options.session_id = record.session_id;
    options.partner_id = api_key;
    options.output_path = ZipPath(record.id);
    options.started_at_us = record.created_at_ms * 1000;
    options.has_audio = record.has_audio;
    options.has_video = record.has_video;
    options.limits = config_.limits;
    options.on_log = [this, id = record.id](absl::string_view line) {
      log_(absl::StrCat("archive ", id, ": ", line));
    };
    // H.264 archives (.mkv) when the session's video is H.264 only.
    bool h264 = false, vp8 = false;
    for (const StreamOptions& stream : streams) {
      for (const auto& [payload_type, format] : stream.payload_types) {
        h264 |= format.format == PayloadFormat::kH264;
        vp8 |= format.format == PayloadFormat::kVp8;
      }
    }
    options.video_codec = h264 && !vp8 ? VideoCodec::kH264 : VideoCodec::kVp8;
    ArchiveCallbacks callbacks;
    callbacks.on_status = [this, id = record.id](const StatusChange& change) { OnStatus(id, change); };
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

  // The record of `id` under `api_key`, or the 404 to answer.
  std::optional<Failure> Known(int64_t api_key, const std::string& id) {
    auto record = records_.find(id);
    if (record == records_.end() || record->second.api_key != api_key) {
      return Failure{404, absl::StrCat("no archive ", id)};
    }
    return std::nullopt;
  }

  void StopArchive(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[2];
    std::shared_ptr<Archive> archive;
    ArchiveRecord snapshot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto failure = Known(api_key, id)) return Reply(response, *failure);
      auto found = archives_.find(id);
      if (found == archives_.end() || !records_[id].recording()) {
        return Reply(response, {409, absl::StrCat("archive ", id, " is not being recorded (",
                                                  records_[id].status, ")")});
      }
      archive = found->second;
      stop_reasons_[id] = "user initiated";
      snapshot = records_[id];
    }
    archive->Stop().IgnoreError();  // the status callbacks record the outcome
    // Answered as documented: the archive as it stopped.
    snapshot.status = "stopped";
    snapshot.reason = "user initiated";
    ReplyJson(response, ArchiveJson(snapshot, ""));
  }

  void ListArchives(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    int64_t offset = 0, count = 50;
    if ((request.has_param("offset") && !absl::SimpleAtoi(request.get_param_value("offset"), &offset)) ||
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
    std::string json = absl::StrCat("{\"count\":", matching.size(), ",\"items\":[");
    for (int64_t i = offset; i < static_cast<int64_t>(matching.size()) && i < offset + count; ++i) {
      if (i > offset) json += ",";
      json += ArchiveJson(matching[i], DownloadUrl(matching[i]));
    }
    ReplyJson(response, json + "]}");
  }

  void GetArchive(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[2];
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, id)) return Reply(response, *failure);
    ReplyJson(response, ArchiveJson(records_[id], DownloadUrl(records_[id])));
  }

  void DeleteArchive(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[2];
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, id)) return Reply(response, *failure);
    const std::string status = records_[id].status;
    if (status != "available" && status != "failed") {
      return Reply(response, {409, absl::StrCat("archive ", id, " is ", status,
                                                ": only an available or failed archive can be deleted")});
    }
    ::unlink(ZipPath(id).c_str());
    if (absl::Status removed = state_.RemoveRecord(id); !removed.ok()) log_(std::string(removed.message()));
    records_.erase(id);
    response.status = 204;
  }

  void Download(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[2];
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto failure = Known(api_key, id)) return Reply(response, *failure);
      if (records_[id].status != "available") {
        return Reply(response, {409, absl::StrCat("archive ", id, " is ", records_[id].status)});
      }
    }
    auto file = std::make_shared<std::ifstream>(ZipPath(id), std::ios::binary);
    if (!*file) return Reply(response, {404, "the archive's file is gone"});
    file->seekg(0, std::ios::end);
    const size_t size = static_cast<size_t>(file->tellg());
    file->seekg(0);
    response.set_header("Content-Disposition", absl::StrCat("attachment; filename=\"", id, ".zip\""));
    response.set_content_provider(size, "application/zip",
                                  [file](size_t offset, size_t length, httplib::DataSink& sink) {
                                    std::vector<char> chunk(std::min<size_t>(length, 1 << 20));
                                    file->seekg(static_cast<std::streamoff>(offset));
                                    file->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                                    sink.write(chunk.data(), static_cast<size_t>(file->gcount()));
                                    return file->gcount() > 0;
                                  });
  }

  void PatchStreams(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[2];
    rapidjson::Document body;
    if (auto failure = ParseBody(request, &body)) return Reply(response, *failure);
    std::string add, remove;
    bool has_audio = true, has_video = true;
    for (auto failure : {OptionalString(body, "addStream", &add), OptionalString(body, "removeStream", &remove),
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
        return Reply(response, {404, absl::StrCat("stream ", stream_id, " is not announced in session ",
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

  void AddCallback(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    CallbackRegistration callback;
    if (auto failure = RegisterCallback(api_key, request, /*all_fields=*/false, &callback)) {
      return Reply(response, *failure);
    }
    ReplyJson(response, CallbackJson(callback));
  }

  // {"url", "group": "archive", "event": "status"}; the seeds require all
  // three and at most 8096 bytes.
  std::optional<Failure> RegisterCallback(int64_t api_key, const httplib::Request& request,
                                          bool all_fields, CallbackRegistration* callback) {
    if (all_fields && request.body.size() > 8096) {
      return Failure{400, "the callback's JSON is over 8096 bytes"};
    }
    rapidjson::Document body;
    if (auto failure = ParseBody(request, &body)) return failure;
    if (all_fields && !(body.HasMember("url") && body.HasMember("group") && body.HasMember("event"))) {
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

  // ---- The seeds' /v2/partner routes ----------------------------------------

  // The seeds' start and stop name their verb in the body: {"action": "start"}.
  static std::optional<Failure> RequireAction(const httplib::Request& request, const char* action) {
    rapidjson::Document body;
    if (auto failure = ParseBody(request, &body)) return failure;
    std::string given;
    if (auto failure = OptionalString(body, "action", &given)) return failure;
    if (given != action) {
      return Failure{400, absl::StrCat("set \"action\": \"", action, "\" (case-sensitive)")};
    }
    return std::nullopt;
  }

  void PartnerStart(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    if (auto failure = RequireAction(request, "start")) return Reply(response, *failure);
    StartArchive(api_key, request, response);
  }

  void PartnerStop(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    if (auto failure = RequireAction(request, "stop")) return Reply(response, *failure);
    StopArchive(api_key, request, response);
  }

  // The seeds answer 403 for an archive ID that is not the key's.
  void PartnerDelete(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto failure = Known(api_key, request.matches[2])) {
        return Reply(response, {403, failure->message});
      }
    }
    DeleteArchive(api_key, request, response);
  }

  void PartnerAddCallback(int64_t api_key, const httplib::Request& request,
                          httplib::Response& response) {
    CallbackRegistration callback;
    if (auto failure = RegisterCallback(api_key, request, /*all_fields=*/true, &callback)) {
      return Reply(response, *failure);
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
    json.StartObject();
    json.Key("id");
    json.String(callback.id.c_str());
    json.Key("uri");
    json.String(callback.url.c_str());
    json.EndObject();
    ReplyJson(response, buffer.GetString());
  }

  void PartnerListCallbacks(int64_t api_key, const httplib::Request&, httplib::Response& response) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
    json.StartArray();
    std::lock_guard<std::mutex> lock(mu_);
    for (const CallbackRegistration& callback : callbacks_) {
      if (callback.api_key != api_key) continue;
      // The seeds write times as "2013-12-08 17:14:52.0" (UTC).
      const std::string time = absl::FormatTime("%Y-%m-%d %H:%M:%E1S",
                                                absl::FromUnixMillis(callback.created_at_ms),
                                                absl::UTCTimeZone());
      json.StartObject();
      json.Key("id");
      json.String(callback.id.c_str());
      json.Key("url");
      json.String(callback.url.c_str());
      json.Key("event");
      json.String("status");
      json.Key("group");
      json.String("archive");
      json.Key("createdAt");
      json.String(time.c_str());
      json.Key("updatedAt");
      json.String(time.c_str());
      json.EndObject();
    }
    json.EndArray();
    ReplyJson(response, buffer.GetString());
  }

  static std::string CallbackJson(const CallbackRegistration& callback) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
    json.StartObject();
    json.Key("id");
    json.String(callback.id.c_str());
    json.Key("url");
    json.String(callback.url.c_str());
    json.Key("group");
    json.String("archive");
    json.Key("event");
    json.String("status");
    json.Key("createdAt");
    json.Int64(callback.created_at_ms);
    json.EndObject();
    return buffer.GetString();
  }

  void ListCallbacks(int64_t api_key, const httplib::Request&, httplib::Response& response) {
    std::string json = "[";
    std::lock_guard<std::mutex> lock(mu_);
    for (const CallbackRegistration& callback : callbacks_) {
      if (callback.api_key != api_key) continue;
      if (json.size() > 1) json += ",";
      json += CallbackJson(callback);
    }
    ReplyJson(response, json + "]");
  }

  void DeleteCallback(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
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

  void AnnounceStream(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string session_id = request.matches[2];
    rapidjson::Document body;
    if (auto failure = ParseBody(request, &body)) return Reply(response, *failure);
    StreamOptions options;
    std::string video_type = "camera", sdp;
    for (auto failure : {OptionalString(body, "streamId", &options.stream_id),
                         OptionalString(body, "connectionData", &options.connection_data),
                         OptionalString(body, "videoType", &video_type),
                         OptionalString(body, "sdp", &sdp),
                         OptionalString(body, "layer", &options.layer)}) {
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
    std::vector<std::pair<std::string, std::shared_ptr<Archive>>> auto_archives;
    int port = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (FindStream(api_key, session_id, options.stream_id) != nullptr) {
        return Reply(response, {409, absl::StrCat("stream ", options.stream_id, " is already announced")});
      }
      auto opened = media_.Open();
      if (!opened.ok()) return Reply(response, {503, std::string(opened.status().message())});
      port = *opened;
      streams_by_port_[port] = {api_key, session_id, options, port};
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
    ReplyJson(response, absl::StrCat("{\"streamId\":\"", options.stream_id, "\",\"address\":\"",
                                     config_.media_address, "\",\"port\":", port, "}"));
  }

  void WithdrawStream(int64_t api_key, const httplib::Request& request, httplib::Response& response) {
    const std::string session_id = request.matches[2], stream_id = request.matches[3];
    std::vector<std::shared_ptr<Archive>> recording;
    int port = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      AnnouncedStream* stream = FindStream(api_key, session_id, stream_id);
      if (stream == nullptr) return Reply(response, {404, absl::StrCat("stream ", stream_id, " is not announced")});
      port = stream->port;
      streams_by_port_.erase(port);
      for (auto& [id, archive] : archives_) {
        if (added_[id].erase(stream_id)) recording.push_back(archive);
      }
    }
    media_.Close(port);
    for (const auto& archive : recording) archive->RemoveStream(stream_id).IgnoreError();
    response.status = 204;
  }

  const NodeConfig config_;
  const LogFunction log_;
  const StateStore state_;
  CallbackSender callbacks_out_;
  httplib::Server server_;
  std::mutex mu_;
  std::map<std::string, ArchiveRecord> records_;                   // every archive, by ID
  std::map<std::string, std::shared_ptr<Archive>> archives_;       // the ones recording
  std::map<std::string, std::set<std::string>> added_;             // archive -> streams pushed to it
  std::map<std::string, std::string> stop_reasons_;                // archive -> why the node stopped it
  std::map<int, AnnouncedStream> streams_by_port_;
  std::vector<CallbackRegistration> callbacks_;
  std::vector<ArchiveRecord> pending_notifications_;  // finalised at start-up
  bool shutting_down_ = false;
  std::atomic<bool> timer_stop_{false};
  std::thread timer_;
  MediaPorts media_;  // last: its thread calls OnPacket, so it goes first
};

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeConfig config, LogFunction log) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(log));
  if (absl::Status status = impl->Init(); !status.ok()) return status;
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;
void Node::Serve() { impl_->Serve(); }
void Node::Shutdown() { impl_->Shutdown(); }
int Node::port() const { return impl_->port(); }

}  // namespace rtparchive::node
