#include "node/node.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "base/stable_id.h"
#include "base/status_macros.h"
#include "base/system_clock.h"
#include "node/node_impl.h"
#include "rtp/rtcp_packet.h"

namespace rtparchive::node {

std::string RandomUuid() {
  std::random_device random;
  return StableUuid(absl::StrCat(random(), "-", random(), "-", random(), "-", SystemTimeUs()));
}

absl::Status Node::Impl::Init() {
  RETURN_IF_ERROR(state_.Create());
  uploads_ = std::make_unique<UploadQueue>(
      config_.upload_threads, config_.upload_retry,
      [this](const UploadJob& job, const absl::StatusOr<storage::UploadReport>& result) {
        OnUploadDone(job, result);
      },
      log_);
  LoadState();
  // Uploads cut short by the last stop go again, now that the state is read.
  for (const auto& [record, target] : pending_uploads_) EnqueueUpload(record, target);
  pending_uploads_.clear();
  ASSIGN_OR_RETURN(dtls_certificate_, webrtc::DtlsCertificate::Generate());
  if (!config_.dtls_key_log.empty()) {
    ASSIGN_OR_RETURN(dtls_key_log_, webrtc::KeyLogWriter::Open(config_.dtls_key_log));
    if (log_) {
      log_(absl::StrCat("writing the DTLS master secrets of WHIP publishers to ", config_.dtls_key_log,
                        " (SSLKEYLOGFILE): whoever reads it can decrypt their media"));
    }
  }
  RegisterRoutes();
  http::ServerOptions options;
  options.head.max_target_bytes = 2048;  // IDs are short; routes match the whole path
  server_ = std::make_unique<http::Server>(
      options,
      [this](http::Request& request, http::Response& response) {
        HandleRequest(request, response);
      },
      [](int status, const std::string& message, http::Response& response) {
        response.set_content(ErrorJson(status, message), "application/json");
      });
  if (!server_->Bind(config_.listen_host, config_.listen_port).ok()) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen_host, ":",
                                               config_.listen_port,
                                               ": is the port taken? change \"listen\""));
  }
  timer_ = std::thread([this] { Tick(); });
  return absl::OkStatus();
}

void Node::Impl::Shutdown() {
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
  // Uploads still running stay pending in the state: the next start resumes them.
  uploads_->Stop();
  server_->Stop();
}

void Node::Impl::OnPacket(int port, absl::Span<const uint8_t> packet, int64_t arrival_time_us) {
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

void Node::Impl::OnKeyframeNeeded(const std::string& archive_id, const KeyframeRequest& request) {
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const ArchiveRecord& record = records_[archive_id];
    auto stream = FindStream(record.api_key, record.session_id, request.stream_id);
    if (stream == nullptr) return;
    port = stream->port;
  }
  media_.SendBack(port, request.ssrc, rtp::BuildPli(kNodeSsrc, request.ssrc));
}

AnnouncedStream* Node::Impl::FindStream(int64_t api_key, const std::string& session_id,
                                        const std::string& stream_id) {
  for (auto& [port, stream] : streams_by_port_) {
    if (stream.api_key == api_key && stream.session_id == session_id &&
        stream.options.stream_id == stream_id) {
      return &stream;
    }
  }
  return nullptr;
}

void Node::Impl::Tick() {
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
    EndSilentWhipStreams(now);
  }
}

std::vector<std::shared_ptr<Archive>> Node::Impl::ArchivesTheSessionRulesStop(int64_t now_us) {
  std::vector<std::shared_ptr<Archive>> stopping;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, archive] : archives_) {
    ArchiveRecord& record = records_.at(id);
    if (!record.recording() || stop_reasons_.count(id)) continue;
    const bool publisher =
        std::any_of(streams_by_port_.begin(), streams_by_port_.end(), [&](const auto& entry) {
          return entry.second.api_key == record.api_key &&
                 entry.second.session_id == record.session_id;
        });
    record.session_empty_since_us = publisher                       ? 0
                                    : record.session_empty_since_us ? record.session_empty_since_us
                                                                    : now_us;
    if (!record.media_seen && now_us - record.created_at_ms * 1000 >= config_.no_stream_stop_us) {
      stop_reasons_[id] = absl::StrCat("no stream published within ",
                                       config_.no_stream_stop_us / 1'000'000, " s of the start");
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

absl::StatusOr<std::unique_ptr<Node>> Node::Create(NodeConfig config, LogFunction log) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(log));
  RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;
void Node::Serve() { impl_->Serve(); }
void Node::Shutdown() { impl_->Shutdown(); }
int Node::port() const { return impl_->port(); }

}  // namespace rtparchive::node
