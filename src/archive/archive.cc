// The public Archive: a lock around the streams' recorders, and the
// finaliser (manifest + ZIP) at Stop.
#include "rtparchive/archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "archive/finalise.h"
#include "archive/journal.h"
#include "archive/recording_rules.h"
#include "archive/stream_recorder.h"
#include "archive/zip_writer.h"
#include "base/status_macros.h"

namespace rtparchive {
namespace {

// Drops the page cache of a file this archive will replace. The file itself
// stays until the finished ZIP is renamed over it, when its pages would be
// freed anyway; freed now, they are the ones the new segment files are
// written into. On a VM that hands memory freed long ago back to its host
// (this project's machines), writing into such memory costs a fault on the
// host for every page, while pages freed a moment ago are still backed.
void DropCachedPages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

}  // namespace

class Archive::Impl {
 public:
  Impl(ArchiveOptions options, ArchiveCallbacks callbacks)
      : options_(std::move(options)),
        callbacks_(std::move(callbacks)),
        working_folder_(options_.output_path + ".parts"),
        rules_(options_.limits) {}

  absl::Status Init() {
    if (::mkdir(working_folder_.c_str(), 0755) != 0) {
      if (errno == EEXIST) {
        return absl::AlreadyExistsError(absl::StrCat(
            "working folder '", working_folder_,
            "' already exists, left by an earlier run: finalise it with 'rtparchive recover ",
            working_folder_, " -o ARCHIVE.zip', or move or delete it"));
      }
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot create working folder '", working_folder_, "': ", std::strerror(errno),
          "; the output's folder must exist and be writable"));
    }
    auto journal =
        archive::Journal::Create(working_folder_ + "/" + archive::kJournalName, JournalFields());
    if (!journal.ok()) return journal.status();
    journal_ = std::move(*journal);
    DropCachedPages(options_.output_path);
    return absl::OkStatus();
  }

  absl::Status AddStream(const StreamOptions& stream) {
    return Locked([&] { return AddStreamLocked(stream); });
  }

  absl::Status PushPacket(absl::string_view stream_id, absl::Span<const uint8_t> packet,
                          int64_t arrival_time_us) {
    return Locked([&] {
      absl::Status status = PushPacketLocked(stream_id, packet, arrival_time_us);
      if (status.ok()) ApplyRulesLocked(arrival_time_us);
      return status;
    });
  }

  absl::Status RemoveStream(absl::string_view stream_id) {
    return Locked([&]() -> absl::Status {
      if (stopped_) return StoppedError();
      auto stream = active_.find(stream_id);
      if (stream == active_.end()) return UnknownStream(stream_id);
      return FinishStream(stream);
    });
  }

  absl::Status AdvanceTime(int64_t now_us) {
    return Locked([&]() -> absl::Status {
      if (stopped_) return StoppedError();
      ApplyRulesLocked(now_us);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<ArchiveResult> Stop() {
    absl::StatusOr<ArchiveResult> result;
    Locked([&] {
      if (!stopped_) StopLocked("stopped by the caller");
      result = final_result_;
      return absl::OkStatus();
    }).IgnoreError();  // the result carries the outcome
    return result;
  }

 private:
  struct Added {
    int order;  // position in the order streams were added
    StreamOptions options;
    std::unique_ptr<archive::StreamRecorder> recorder;
  };
  // Transparent comparison: found by string_view for each packet, no copy.
  using ActiveStreams = std::map<std::string, Added, std::less<>>;
  struct Finished {
    int order;
    StreamOptions options;
    std::vector<archive::SegmentRecord> files;
    StreamResult result;
  };

  // Runs `step` under the lock, then delivers the events it queued outside
  // the lock, so callbacks may call back into the archive.
  // A template rather than a std::function: each packet's step would
  // otherwise allocate its captures.
  template <typename Step>
  absl::Status Locked(Step&& step) {
    std::vector<KeyframeRequest> requests;
    std::vector<StatusChange> changes;
    absl::Status status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      status = step();
      requests.swap(keyframe_requests_);
      changes.swap(status_changes_);
    }
    if (callbacks_.on_keyframe_needed) {
      for (const KeyframeRequest& request : requests) callbacks_.on_keyframe_needed(request);
    }
    if (callbacks_.on_status) {
      for (const StatusChange& change : changes) callbacks_.on_status(change);
    }
    return status;
  }

  absl::Status StoppedError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!status_.ok()) return status_;
    return absl::FailedPreconditionError(
        absl::StrCat("the archive is stopped (", stop_reason_, ")"));
  }

  bool PublishingLocked(int64_t now_us) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& [id, added] : active_) {
      const std::optional<int64_t> last = added.recorder->last_media_arrival_us();
      if (last && now_us - *last <= options_.stream_gone_after_us) return true;
    }
    return false;
  }

  void ApplyRulesLocked(int64_t now_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (StatusChange& change : rules_.Update(now_us, PublishingLocked(now_us))) {
      status_changes_.push_back(std::move(change));
    }
    if (rules_.stop_reason() && !stopped_) StopLocked(*rules_.stop_reason(), now_us);
  }

  // Finishes every stream and writes the ZIP; reports stopped, then
  // available or failed. The result is kept for Stop().
  void StopLocked(const std::string& reason, int64_t now_us = 0)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    stopped_ = true;
    stop_reason_ = reason;
    status_changes_.push_back({ArchiveStatus::kStopped, reason, now_us});
    while (status_.ok() && !active_.empty()) {
      absl::Status finished = FinishStream(active_.begin());
      if (!finished.ok()) status_ = finished;
    }
    final_result_ = status_.ok() ? Finalise() : absl::StatusOr<ArchiveResult>(status_);
    if (final_result_.ok()) {
      final_result_->stop_reason = reason;
      status_changes_.push_back({ArchiveStatus::kAvailable, "", now_us});
    } else {
      status_changes_.push_back(
          {ArchiveStatus::kFailed, std::string(final_result_.status().message()), now_us});
    }
  }

  absl::Status UnknownStream(absl::string_view stream_id) const {
    return absl::NotFoundError(
        absl::StrCat("no stream '", stream_id, "' is being recorded: call AddStream first"));
  }

  absl::Status AddStreamLocked(const StreamOptions& stream) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopped_) return StoppedError();
    if (!IsValidId(stream.stream_id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stream ID '", stream.stream_id,
          "' cannot be a file name: use 1-200 letters, digits, '-', '_' or '.', not starting "
          "with '.'"));
    }
    if (!IsValidLayerChoice(stream.layer)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "stream '", stream.stream_id, "': layer '", stream.layer,
          "' is not high, low or a RID (letters, digits, '-' and '_')"));
    }
    if (active_.count(stream.stream_id)) {
      return absl::AlreadyExistsError(absl::StrCat("stream '", stream.stream_id,
                                                   "' is already being recorded: remove it first"));
    }
    for (const auto& [payload_type, info] : stream.payload_types) {
      if (payload_type < 0 || payload_type > 127 || info.clock_rate_hz <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("stream '", stream.stream_id, "': payload type ", payload_type,
                         " needs a number 0-127 and a positive clock rate"));
      }
    }
    if (static_cast<int>(active_.size()) >= options_.limits.max_streams) {
      const std::string reason = absl::StrCat("the archive records at most ",
                                              options_.limits.max_streams, " streams at once");
      not_recorded_.push_back({stream.stream_id, reason});
      return absl::ResourceExhaustedError(
          absl::StrCat("stream '", stream.stream_id, "' is not recorded: ", reason));
    }
    archive::StreamRecorder::Config config;
    config.stream = stream;
    config.stream.has_audio = stream.has_audio && options_.has_audio;
    config.stream.has_video = stream.has_video && options_.has_video;
    config.video_codec = options_.video_codec;
    config.working_folder = working_folder_;
    config.wait_for_keyframe_after_loss = options_.wait_for_keyframe_after_loss;
    config.reorder.capacity = static_cast<size_t>(options_.reorder_capacity_packets);
    config.reorder.max_wait_us = options_.reorder_max_wait_us;
    config.interleave_window_us = options_.interleave_window_us;
    config.sender_report_wait_us = options_.sender_report_wait_us;
    config.gone_after_us = options_.stream_gone_after_us;
    config.flush_each_cluster = options_.flush_each_cluster;
    config.first_segment_index = next_segment_index_[stream.stream_id];
    // Called under the lock, from the stream's PushPacket.
    config.room_before_file = archive::LocalHeaderBytes;
    config.sum_crc32 = true;  // the ZIP entry's checksum, without reading the file again
    config.on_segment_opened = [this](const archive::SegmentRecord& record)
        ABSL_NO_THREAD_SAFETY_ANALYSIS { return journal_->Record(record); };
    const std::string stream_id = stream.stream_id;
    auto recorder = std::make_unique<archive::StreamRecorder>(
        std::move(config),
        [this, stream_id](uint32_t ssrc, const char* reason) {
          keyframe_requests_.push_back({stream_id, ssrc, reason});
        },
        options_.on_log ? LogFunction(options_.on_log) : LogFunction());
    active_[stream.stream_id] = Added{next_order_++, stream, std::move(recorder)};
    return absl::OkStatus();
  }

  absl::Status PushPacketLocked(absl::string_view stream_id, absl::Span<const uint8_t> packet,
                                int64_t arrival_time_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopped_) return StoppedError();
    auto stream = active_.find(stream_id);
    if (stream == active_.end()) return UnknownStream(stream_id);
    if (!first_arrival_us_) first_arrival_us_ = arrival_time_us;
    absl::Status status = stream->second.recorder->PushPacket(packet, arrival_time_us);
    if (!status.ok()) {
      status_ = status;  // a write failure fails the archive
      StopLocked(absl::StrCat("writing failed: ", status.message()), arrival_time_us);
    }
    return status;
  }

  absl::Status FinishStream(ActiveStreams::iterator stream) {
    Added added = std::move(stream->second);
    active_.erase(stream);
    auto files = added.recorder->Finish();
    if (!files.ok()) {
      status_ = files.status();
      return status_;
    }
    next_segment_index_[added.options.stream_id] += static_cast<int>(files->size());
    finished_.push_back(
        {added.order, std::move(added.options), std::move(*files), added.recorder->result()});
    return absl::OkStatus();
  }

  absl::StatusOr<ArchiveResult> Finalise() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::sort(finished_.begin(), finished_.end(),
              [](const Finished& a, const Finished& b) { return a.order < b.order; });
    ArchiveResult result;
    std::vector<archive::SegmentRecord> files;
    for (const Finished& stream : finished_) {
      result.streams.push_back(stream.result);
      files.insert(files.end(), stream.files.begin(), stream.files.end());
    }
    result.not_recorded = not_recorded_;
    const int64_t fallback_created_at_ms =
        (first_arrival_us_ ? *first_arrival_us_ : options_.started_at_us) / 1000;
    if (absl::Status written =
            archive::WriteArchiveZip(JournalFields(), fallback_created_at_ms, files, options_.output_path,
                                     &result, options_.write_zip);
        !written.ok()) {
      status_ = written;
      return written;  // the working folder keeps the segments for `recover`
    }
    // Without the ZIP written, the segment files are its pieces, and the
    // journal stays with them: a caller that dies before it kept the
    // pieces can still `recover` the folder.
    const std::string journal_path = journal_->path();
    journal_.reset();
    if (options_.write_zip) {
      for (const archive::SegmentRecord& file : files) ::unlink(file.path.c_str());
      ::unlink(journal_path.c_str());
      ::rmdir(working_folder_.c_str());
    }
    return result;
  }

  archive::JournalArchive JournalFields() const {
    return {options_.id, options_.name, options_.session_id, options_.partner_id};
  }

  const ArchiveOptions options_;
  const ArchiveCallbacks callbacks_;
  const std::string working_folder_;
  // std::mutex, not absl::Mutex: ThreadSanitizer sees pthread locks, not
  // those of an Abseil built without it (Debian's).
  std::mutex mu_;
  ActiveStreams active_ ABSL_GUARDED_BY(mu_);
  std::vector<Finished> finished_ ABSL_GUARDED_BY(mu_);
  // Per stream ID, the segment index its next recording starts at.
  std::map<std::string, int> next_segment_index_ ABSL_GUARDED_BY(mu_);
  std::vector<KeyframeRequest> keyframe_requests_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> first_arrival_us_ ABSL_GUARDED_BY(mu_);
  int next_order_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::string stop_reason_ ABSL_GUARDED_BY(mu_);
  archive::RecordingRules rules_ ABSL_GUARDED_BY(mu_);
  std::vector<StatusChange> status_changes_ ABSL_GUARDED_BY(mu_);
  std::vector<NotRecorded> not_recorded_ ABSL_GUARDED_BY(mu_);
  absl::StatusOr<ArchiveResult> final_result_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);  // not OK once the archive failed
  std::unique_ptr<archive::Journal> journal_;  // set by Init; used under mu_
};

absl::StatusOr<std::unique_ptr<Archive>> Archive::Start(ArchiveOptions options,
                                                        ArchiveCallbacks callbacks) {
  if (!IsValidId(options.id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "archive ID '", options.id,
        "' is missing or cannot name the manifest file: use a UUID (letters, digits, '-')"));
  }
  if (options.output_path.empty()) {
    return absl::InvalidArgumentError("no output path: say where the archive ZIP goes");
  }
  if (options.partner_id < 0) return absl::InvalidArgumentError("partner ID must not be negative");
  if (options.reorder_capacity_packets < 1 || options.reorder_capacity_packets > 65536 ||
      options.reorder_max_wait_us < 0 || options.interleave_window_us < 0 ||
      options.sender_report_wait_us < 0 || options.stream_gone_after_us <= 0) {
    return absl::InvalidArgumentError(
        "reorder capacity must be 1-65536 packets and the waits must not be negative");
  }
  if (options.interleave_window_us <= options.sender_report_wait_us) {
    return absl::InvalidArgumentError(
        "interleave_window_us must exceed sender_report_wait_us, or a track waiting for its "
        "sender report falls behind the other");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(callbacks));
  RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Archive>(new Archive(std::move(impl)));
}

Archive::Archive(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Archive::~Archive() = default;

absl::Status Archive::AddStream(const StreamOptions& stream) { return impl_->AddStream(stream); }

absl::Status Archive::PushPacket(absl::string_view stream_id, absl::Span<const uint8_t> packet,
                                 int64_t arrival_time_us) {
  return impl_->PushPacket(stream_id, packet, arrival_time_us);
}

absl::Status Archive::RemoveStream(absl::string_view stream_id) {
  return impl_->RemoveStream(stream_id);
}

absl::Status Archive::AdvanceTime(int64_t now_us) { return impl_->AdvanceTime(now_us); }

absl::StatusOr<ArchiveResult> Archive::Stop() { return impl_->Stop(); }

}  // namespace rtparchive
