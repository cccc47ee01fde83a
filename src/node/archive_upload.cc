// The recording node: uploading finished archives to each API key's storage
// (see storage_target.h), the status that follows (uploaded; or available
// or failed by the fallback rule), and the routes that set the targets.

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "node/node_impl.h"
#include "node/sealed_text.h"

namespace rtparchive::node {

void Node::Impl::LoadStorageTargets(std::vector<std::string>* problems) {
  targets_ = config_.storage_targets;
  for (const auto& [api_key, sealed] : state_.LoadStorageTargets(problems)) {
    auto secret = config_.secrets.find(api_key);
    if (secret == config_.secrets.end()) {
      problems->push_back(absl::StrCat("the storage target of API key ", api_key,
                                       " is left out: the key is no longer in \"credentials\""));
      continue;
    }
    absl::StatusOr<std::string> text = Unseal(secret->second, sealed);
    absl::StatusOr<StorageTarget> target =
        text.ok() ? ParseStorageTargetJson(*text) : absl::StatusOr<StorageTarget>(text.status());
    if (!target.ok()) {
      problems->push_back(absl::StrCat("the storage target of API key ", api_key,
                                       " is left out: ", target.status().message()));
      continue;
    }
    targets_[api_key] = *std::move(target);
  }
}

void Node::Impl::EnqueueUpload(const ArchiveRecord& record, const StorageTarget& target) {
  uploads_->Add({record.id, target, ObjectName(record.api_key, record.id), zips_});
}

void Node::Impl::OnUploadDone(const UploadJob& job, const absl::StatusOr<storage::UploadReport>& result) {
  ArchiveRecord snapshot;
  bool remove_zip = false;
  const std::string where = Describe(job.target, job.object_name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = records_.find(job.archive_id);
    if (found == records_.end() || !found->second.upload_pending) return;
    ArchiveRecord& record = found->second;
    record.upload_pending = false;
    if (result.ok()) {
      record.status = ArchiveStatus::kUploaded;  // the reason stays the stop's
      remove_zip = true;  // the store confirmed it
    } else if (job.target.fallback_to_node) {
      record.status = ArchiveStatus::kAvailable;
      record.reason = absl::StrCat("the upload to ", where, " failed (", result.status().message(),
                                   "); the archive is kept on the node for download");
    } else {
      record.status = ArchiveStatus::kFailed;
      record.reason = absl::StrCat("the upload to ", where, " failed (", result.status().message(),
                                   "); storage fallback is off, so the node did not keep it");
      remove_zip = true;
    }
    snapshot = record;
    SaveRecord(snapshot);
  }
  log_(result.ok() ? absl::StrCat("archive ", job.archive_id, ": uploaded to ", where, " (", result->bytes,
                                  " bytes, ", result->parts, " parts, confirmed)")
                   : absl::StrCat("archive ", job.archive_id, ": ", snapshot.reason));
  metrics_.CountUpload(result.ok()                    ? "uploaded"
                       : job.target.fallback_to_node ? "kept_on_node"
                                                     : "failed");
  if (remove_zip) zips_.Remove(job.archive_id);
  NotifyCallbacks(snapshot);
}

void Node::Impl::PutStorage(int64_t api_key, const http::Request& request, http::Response& response) {
  absl::StatusOr<StorageTarget> target = ParseStorageTargetJson(request.body);
  if (!target.ok()) return Reply(response, {400, std::string(target.status().message())});
  const std::string secret = config_.secrets.at(api_key);
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status saved = state_.SaveStorageTarget(api_key, Seal(secret, StorageTargetSecretJson(*target)));
      !saved.ok()) {
    return Reply(response, {500, absl::StrCat("the storage target was not saved: ", saved.message())});
  }
  targets_[api_key] = *target;
  ReplyJson(response, StorageTargetJson(*target));
}

void Node::Impl::GetStorage(int64_t api_key, const http::Request&, http::Response& response) {
  std::lock_guard<std::mutex> lock(mu_);
  auto target = targets_.find(api_key);
  if (target == targets_.end()) {
    return Reply(response, {404, "no storage target is set for this API key: archives stay on the node"});
  }
  ReplyJson(response, StorageTargetJson(target->second));
}

void Node::Impl::DeleteStorage(int64_t api_key, const http::Request&, http::Response& response) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!targets_.erase(api_key)) return Reply(response, {404, "no storage target is set for this API key"});
  if (absl::Status removed = state_.RemoveStorageTarget(api_key); !removed.ok()) log_(std::string(removed.message()));
  response.status = 204;
}

}  // namespace rtparchive::node
