// The recording node: archive status changes, their callbacks, and the
// state kept on disk across restarts (see node_impl.h).

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/download_link.h"
#include "node/node_impl.h"

namespace rtparchive::node {

void Node::Impl::OnStatus(const std::string& archive_id, const StatusChange& change) {
  const bool ended =
      change.status == ArchiveStatus::kAvailable || change.status == ArchiveStatus::kFailed;
  std::shared_ptr<Archive> archive;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = archives_.find(archive_id);
    if (found != archives_.end()) archive = found->second;
  }
  // The archive ended: its result is ready (Stop only returns it), outside
  // the lock since Stop may call back here. Its ZIP's pieces are saved
  // before anyone can see it available.
  std::optional<ArchiveResult> result;
  if (archive && ended) {
    if (auto stopped = archive->Stop(); stopped.ok()) result = std::move(*stopped);
  }
  if (result && change.status == ArchiveStatus::kAvailable) {
    if (absl::Status saved = zips_.SavePieces(archive_id, result->zip_pieces); !saved.ok()) {
      log_(absl::StrCat("archive ", archive_id, ": ", saved.message()));
      return OnStatus(archive_id, {ArchiveStatus::kFailed, std::string(saved.message()), change.time_us});
    }
  }
  std::optional<StorageTarget> upload_to;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ArchiveRecord& record = records_[archive_id];
    if (!CanMove(record.status, change.status)) {
      log_(absl::StrCat("archive ", archive_id, ": ignored a move from ", ToString(record.status),
                        " to ", ToString(change.status)));
      return;
    }
    // The ZIP is complete: with a storage target it stays stopped until the
    // store confirms it.
    if (auto target = targets_.find(record.api_key);
        change.status == ArchiveStatus::kAvailable && target != targets_.end()) {
      upload_to = target->second;
      record.upload_pending = true;
    } else {
      record.status = change.status;
    }
    if (change.status == ArchiveStatus::kStopped) {
      auto reason = stop_reasons_.find(archive_id);
      record.reason = reason != stop_reasons_.end() ? reason->second : change.reason;
    } else if (change.status != ArchiveStatus::kAvailable) {
      record.reason = change.reason;  // available keeps the stop's reason
    }
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
  if (upload_to) return EnqueueUpload(snapshot, *upload_to);  // nothing new for the callbacks yet
  NotifyCallbacks(snapshot);
}

void Node::Impl::SetOutcome(const ArchiveResult& result, ArchiveRecord* record) {
  record->size = result.zip_size;
  int64_t last_ms = 0;
  for (const FileResult& file : result.files) last_ms = std::max(last_ms, file.stop_time_offset_ms);
  record->duration_s = (last_ms + 500) / 1000;
}

void Node::Impl::NotifyCallbacks(const ArchiveRecord& record) {
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

std::string Node::Impl::DownloadUrl(const ArchiveRecord& record) const {
  auto secret = config_.secrets.find(record.api_key);
  if (secret == config_.secrets.end()) return "";
  return absl::StrCat("http://", config_.listen_host, ":", config_.listen_port, "/v2/project/",
                      record.api_key, "/archive/", record.id, "/download?",
                      DownloadLinkQuery(secret->second, record.id,
                                        absl::ToUnixSeconds(absl::Now()) + kDownloadLinkSeconds));
}

void Node::Impl::SaveRecord(const ArchiveRecord& record) {
  if (absl::Status saved = state_.SaveRecord(record); !saved.ok()) {
    log_(absl::StrCat("archive ", record.id, ": its state was not saved: ", saved.message()));
  }
}

void Node::Impl::SaveCallbacks() {
  if (absl::Status saved = state_.SaveCallbacks(callbacks_); !saved.ok()) {
    log_(absl::StrCat("the callbacks were not saved: ", saved.message()));
  }
}

void Node::Impl::LoadState() {
  std::vector<std::string> problems;
  callbacks_ = state_.LoadCallbacks(&problems);
  LoadStorageTargets(&problems);
  for (ArchiveRecord& record : state_.LoadRecords(&problems)) {
    const bool zipped = zips_.Exists(record.id);
    if (record.status == ArchiveStatus::kStopped && (record.upload_pending || zipped) && zipped) {
      FinishStoppedAfterRestart(record);
    } else if (record.recording() || record.status == ArchiveStatus::kStopped) {
      FinaliseAfterCrash(record);
    }
    records_[record.id] = record;
  }
  for (const std::string& problem : problems) log_(problem);
}

void Node::Impl::FinaliseAfterCrash(ArchiveRecord& record) {
  const std::string zip = ZipPath(record.id);
  auto result = RecoverArchive(zip + ".parts", zip);
  if (result.ok()) {
    record.status = ArchiveStatus::kAvailable;
    record.reason = "recovered after the node stopped unexpectedly";
    SetOutcome(*result, &record);
    std::filesystem::remove_all(zip + ".parts");
    if (auto target = targets_.find(record.api_key); target != targets_.end()) {
      record.status = ArchiveStatus::kStopped;  // uploaded next
      record.upload_pending = true;
      pending_uploads_.emplace_back(record, target->second);
    }
  } else {
    record.status = ArchiveStatus::kFailed;
    record.reason = absl::StrCat("the node stopped unexpectedly and nothing could be recovered: ",
                                 result.status().message());
  }
  log_(absl::StrCat("archive ", record.id, ": ", ToString(record.status), " (", record.reason, ")"));
  SaveRecord(record);
  pending_notifications_.push_back(record);
}

void Node::Impl::FinishStoppedAfterRestart(ArchiveRecord& record) {
  // Its ZIP was written (an upload was running, or about to): upload it, or
  // with no target any longer, make it available.
  if (auto target = targets_.find(record.api_key); target != targets_.end()) {
    record.upload_pending = true;
    pending_uploads_.emplace_back(record, target->second);
    log_(absl::StrCat("archive ", record.id, ": its upload starts again"));
  } else {
    record.upload_pending = false;
    record.status = ArchiveStatus::kAvailable;
    pending_notifications_.push_back(record);
  }
  SaveRecord(record);
}
}  // namespace rtparchive::node
