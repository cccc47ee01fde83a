// The recording node's implementation, shared by the files that define its
// parts (internal to src/node): node.cc (start-up, media, time rules),
// archive_status.cc (status, callbacks, state on disk), archive_upload.cc
// (uploads to the customer's storage), api_routes.cc (auth
// and the route table), archive_routes.cc, session_routes.cc and
// partner_routes.cc (the handlers).
#ifndef RTPARCHIVE_NODE_NODE_IMPL_H_
#define RTPARCHIVE_NODE_NODE_IMPL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "node/api_request.h"
#include "node/archive_record.h"
#include "node/callback_sender.h"
#include "node/media_ports.h"
#include "node/metrics.h"
#include "node/node.h"
#include "node/state_store.h"
#include "node/storage_target.h"
#include "node/stored_zip.h"
#include "node/upload_queue.h"
#include "node/webrtc_transport.h"
#include "webrtc/dtls_srtp.h"
#include "rtparchive/archive.h"

namespace rtparchive::node {

// The SSRC the node's RTCP feedback is sent from.
inline constexpr uint32_t kNodeSsrc = 0x72617263;  // "rarc"

struct AnnouncedStream {
  int64_t api_key = 0;
  std::string session_id;
  StreamOptions options;
  int port = 0;
  std::shared_ptr<WebRtcTransport> webrtc;  // a WHIP publisher's
  int64_t created_us = 0;
  int64_t leaving_at_us = 0;  // WHIP DELETE: removed then, once packets in flight are in
};

// A new archive or callback ID.
std::string RandomUuid();

class Node::Impl {
 public:
  Impl(NodeConfig config, LogFunction log)
      : config_(std::move(config)),
        log_(std::move(log)),
        state_(config_.storage + "/state"),
        zips_(config_.storage),
        callbacks_out_([this](const std::string& line) { log_(line); }),
        media_(config_.media_address, config_.media_port_min, config_.media_port_max,
               [this](int port, absl::Span<const uint8_t> packet, int64_t at) {
                 OnPacket(port, packet, at);
               },
               [this](absl::string_view line) { log_(std::string(line)); }) {}

  ~Impl() {
    if (uploads_) uploads_->Stop();
    timer_stop_ = true;
    if (timer_.joinable()) timer_.join();
  }
  absl::Status Init();
  void Serve() { server_->Serve(); }
  void Shutdown();
  int port() const { return config_.listen_port; }

 private:
  // ---- media -------------------------------------------------------------
  void OnPacket(int port, absl::Span<const uint8_t> packet, int64_t arrival_time_us);
  void OnKeyframeNeeded(const std::string& archive_id, const KeyframeRequest& request);

  AnnouncedStream* FindStream(int64_t api_key, const std::string& session_id,
                              const std::string& stream_id);

  // ---- archive status -----------------------------------------------------
  void OnStatus(const std::string& archive_id, const StatusChange& change);

  // Size and duration (s, rounded) of a finished archive.
  static void SetOutcome(const ArchiveResult& result, ArchiveRecord* record);
  void NotifyCallbacks(const ArchiveRecord& record);

  // A link valid for kDownloadLinkSeconds from now that needs no auth header.
  std::string DownloadUrl(const ArchiveRecord& record) const;
  std::string ZipPath(const std::string& id) const { return zips_.ZipPath(id); }

  // Applies the time rules (pause, limits) while no packets come.
  void Tick();

  // The seeds' session rules: an archive stops when no stream was published
  // within no_stream_stop_us of its start, or session_ended_stop_us after
  // its session's last publisher left.
  std::vector<std::shared_ptr<Archive>> ArchivesTheSessionRulesStop(int64_t now_us);

  // ---- persistence -----------------------------------------------------------

  // A state write that fails is logged: the archive goes on, but a restart
  // would not know it as it is now.
  void SaveRecord(const ArchiveRecord& record);
  void SaveCallbacks();

  // Lists the archives and callbacks of earlier runs; an archive a crash
  // left recording is finalised from its working folder.
  void LoadState();
  void FinaliseAfterCrash(ArchiveRecord& record);
  void FinishStoppedAfterRestart(ArchiveRecord& record);

  // ---- uploads (archive_upload.cc) -----------------------------------------
  // The config file's targets, then those set through the API (sealed in the state).
  void LoadStorageTargets(std::vector<std::string>* problems);
  void EnqueueUpload(const ArchiveRecord& record, const StorageTarget& target);
  // Runs on an upload thread: uploaded, or available / failed by the fallback rule.
  void OnUploadDone(const UploadJob& job, const absl::StatusOr<storage::UploadReport>& result);
  void PutStorage(int64_t api_key, const http::Request& request, http::Response& response);
  void GetStorage(int64_t api_key, const http::Request& request, http::Response& response);
  void DeleteStorage(int64_t api_key, const http::Request& request, http::Response& response);

  // ---- HTTP --------------------------------------------------------------------
  using Handler = std::function<void(int64_t api_key, const http::Request&, http::Response&)>;

  // Runs on the server's worker threads: the route, JSON errors, counts.
  void HandleRequest(http::Request& request, http::Response& response);
  // GET /metrics (no auth: counts only, no IDs or secrets).
  void ServeMetrics(const http::Request&, http::Response& response);

  // Wraps a handler with the API key check (403) and JSON error answers.
  http::Router::Handler Authenticated(Handler handler);

  // The API key of the path, when the request proves it holds the key's
  // secret: X-OPENTOK-AUTH, an HS256 JWT as the official server SDKs sign
  // it (iss: the API key, ist: "project"), or X-TB-PARTNER-AUTH
  // <apiKey>:<apiSecret>.
  std::optional<Failure> Authenticate(const http::Request& request, int64_t* api_key);
  static void Reply(http::Response& response, const Failure& failure);
  static void ReplyJson(http::Response& response, const std::string& json);
  void RegisterRoutes();
  void StartArchive(int64_t api_key, const http::Request& request, http::Response& response);

  // The record of `id` under `api_key`, or the 404 to answer.
  std::optional<Failure> Known(int64_t api_key, const std::string& id);
  void StopArchive(int64_t api_key, const http::Request& request, http::Response& response);
  void ListArchives(int64_t api_key, const http::Request& request, http::Response& response);
  void GetArchive(int64_t api_key, const http::Request& request, http::Response& response);
  void DeleteArchive(int64_t api_key, const http::Request& request, http::Response& response);
  void Download(int64_t api_key, const http::Request& request, http::Response& response);
  void PatchStreams(int64_t api_key, const http::Request& request, http::Response& response);
  void AddCallback(int64_t api_key, const http::Request& request, http::Response& response);

  // {"url", "group": "archive", "event": "status"}; the seeds require all
  // three and at most 8096 bytes.
  std::optional<Failure> RegisterCallback(int64_t api_key, const http::Request& request,
                                          bool all_fields, CallbackRegistration* callback);

  // ---- The seeds' /v2/partner routes ----------------------------------------

  // The seeds' start and stop name their verb in the body: {"action": "start"}.
  static std::optional<Failure> RequireAction(const http::Request& request, const char* action);
  void PartnerStart(int64_t api_key, const http::Request& request, http::Response& response);
  void PartnerStop(int64_t api_key, const http::Request& request, http::Response& response);

  // The seeds answer 403 for an archive ID that is not the key's.
  void PartnerDelete(int64_t api_key, const http::Request& request, http::Response& response);

  void PartnerAddCallback(int64_t api_key, const http::Request& request,
                          http::Response& response);
  void PartnerListCallbacks(int64_t api_key, const http::Request&, http::Response& response);
  // A registration as the node answers it, or in the seeds' shape (times as text).
  static std::string CallbackJson(const CallbackRegistration& callback, bool seeds_shape = false);
  void ListCallbacks(int64_t api_key, const http::Request&, http::Response& response);
  void ReplyCallbackList(int64_t api_key, bool seeds_shape, http::Response& response);
  void DeleteCallback(int64_t api_key, const http::Request& request,
                      http::Response& response);
  void AnnounceStream(int64_t api_key, const http::Request& request,
                      http::Response& response);
  // Adds a newly published stream to its session's auto-mode archives.
  void JoinAutoArchives(int64_t api_key, const std::string& session_id, const StreamOptions& options);
  // The publisher left: its port closes, its archives end its segment. False if unknown.
  bool RemoveStream(int64_t api_key, const std::string& session_id, const std::string& stream_id);

  // ---- WHIP (whip_routes.cc) ---------------------------------------------------
  // POST /whip/{apiKey}/{sessionId}: the offer in, 201 with the answer out.
  void WhipPublish(const http::Request& request, http::Response& response);
  // DELETE /whip/{apiKey}/{sessionId}/{streamId}: the publisher left.
  void WhipDelete(const http::Request& request, http::Response& response);
  // OPTIONS: what a web page on another origin may send (CORS).
  static void WhipOptions(const http::Request& request, http::Response& response);
  // Authorization: Bearer <the API secret, or an HS256 JWT as X-OPENTOK-AUTH>.
  std::optional<Failure> AuthenticateBearer(const http::Request& request, int64_t* api_key);
  // WHIP publishers whose consent checks stopped (a closed tab), or whose
  // DELETE's grace has passed, leave.
  void EndSilentWhipStreams(int64_t now_us);
  void WithdrawStream(int64_t api_key, const http::Request& request,
                      http::Response& response);
  const NodeConfig config_;
  const LogFunction log_;
  const StateStore state_;
  const StoredZips zips_;  // the finished archives' ZIPs (pieces or whole files)
  CallbackSender callbacks_out_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::map<std::string, ArchiveRecord> records_;              // every archive, by ID
  std::map<std::string, std::shared_ptr<Archive>> archives_;  // the ones recording
  std::map<std::string, std::set<std::string>> added_;        // archive -> streams pushed to it
  std::map<std::string, std::string> stop_reasons_;           // archive -> why the node stopped it
  std::map<int, AnnouncedStream> streams_by_port_;
  std::vector<CallbackRegistration> callbacks_;
  std::vector<ArchiveRecord> pending_notifications_;  // finalised at start-up
  std::vector<std::pair<ArchiveRecord, StorageTarget>> pending_uploads_;  // found at start-up
  std::map<int64_t, StorageTarget> targets_;  // by API key
  std::unique_ptr<UploadQueue> uploads_;
  NodeMetrics metrics_;
  std::shared_ptr<webrtc::DtlsCertificate> dtls_certificate_;  // made at start-up
  std::shared_ptr<webrtc::KeyLogWriter> dtls_key_log_;         // SSLKEYLOGFILE, when set
  bool shutting_down_ = false;
  std::atomic<bool> timer_stop_{false};
  std::thread timer_;
  MediaPorts media_;  // last: its thread calls OnPacket, so it goes first
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_NODE_IMPL_H_
