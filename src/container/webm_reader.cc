#include "container/webm_reader.h"

#include <webm/buffer_reader.h>
#include <webm/callback.h>
#include <webm/webm_parser.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace rtparchive::container {
namespace {

class CollectingCallback : public webm::Callback {
 public:
  explicit CollectingCallback(ParsedFile* file) : file_(file) {}

  webm::Status OnEbml(const webm::ElementMetadata&, const webm::Ebml& ebml) override {
    file_->doc_type = ebml.doc_type.value();
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnSeek(const webm::ElementMetadata&, const webm::Seek&) override {
    file_->has_seek_head = true;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnInfo(const webm::ElementMetadata&, const webm::Info& info) override {
    file_->timestamp_scale_ns = info.timecode_scale.value();
    file_->duration = info.duration.is_present() ? info.duration.value() : 0;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnTrackEntry(const webm::ElementMetadata&, const webm::TrackEntry& entry) override {
    ParsedTrack track;
    track.number = entry.track_number.value();
    track.type = static_cast<int>(entry.track_type.value());
    track.codec_id = entry.codec_id.value();
    track.codec_private = entry.codec_private.value();
    if (entry.video.is_present()) {
      track.pixel_width = entry.video.value().pixel_width.value();
      track.pixel_height = entry.video.value().pixel_height.value();
      if (entry.video.value().projection.is_present()) {
        const double roll = entry.video.value().projection.value().pose_roll.value();
        track.rotation_degrees = ((-static_cast<int>(std::lround(roll))) % 360 + 360) % 360;
      }
    }
    if (entry.audio.is_present()) track.channels = entry.audio.value().channels.value();
    file_->tracks.push_back(std::move(track));
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnClusterBegin(const webm::ElementMetadata&, const webm::Cluster& cluster,
                              webm::Action* action) override {
    ++file_->clusters;
    cluster_time_ = static_cast<int64_t>(cluster.timecode.value());
    *action = webm::Action::kRead;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnSimpleBlockBegin(const webm::ElementMetadata&, const webm::SimpleBlock& block,
                                  webm::Action* action) override {
    block_ = {block.track_number, cluster_time_ + block.timecode, block.is_key_frame, {}};
    *action = webm::Action::kRead;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnBlockBegin(const webm::ElementMetadata&, const webm::Block& block,
                            webm::Action* action) override {
    block_ = {block.track_number, cluster_time_ + block.timecode, false, {}};
    *action = webm::Action::kRead;
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnFrame(const webm::FrameMetadata&, webm::Reader* reader,
                       std::uint64_t* bytes_remaining) override {
    ParsedFrame frame = block_;
    frame.data.resize(*bytes_remaining);
    uint8_t* out = frame.data.data();
    while (*bytes_remaining > 0) {
      std::uint64_t got = 0;
      webm::Status status = reader->Read(*bytes_remaining, out, &got);
      out += got;
      *bytes_remaining -= got;
      if (!status.ok()) return status;
      if (got == 0 && *bytes_remaining > 0) return webm::Status(webm::Status::kEndOfFile);
    }
    file_->frames.push_back(std::move(frame));
    return webm::Status(webm::Status::kOkCompleted);
  }
  webm::Status OnCuePoint(const webm::ElementMetadata&, const webm::CuePoint&) override {
    ++file_->cue_points;
    return webm::Status(webm::Status::kOkCompleted);
  }

 private:
  ParsedFile* file_;
  int64_t cluster_time_ = 0;
  ParsedFrame block_;
};

// Parses `bytes`; the status says whether parsing got to the end.
webm::Status Parse(std::vector<uint8_t> bytes, ParsedFile* file) {
  CollectingCallback callback(file);
  webm::BufferReader reader(std::move(bytes));
  webm::WebmParser parser;
  return parser.Feed(&callback, &reader);
}

absl::Status ParseError(const webm::Status& status) {
  return absl::DataLossError(absl::StrCat("libwebm could not parse the file (status ",
                                          static_cast<int>(status.code), ")"));
}

absl::StatusOr<std::vector<uint8_t>> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open '", path, "'"));
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

}  // namespace

absl::StatusOr<ParsedFile> ReadWebm(std::vector<uint8_t> bytes) {
  ParsedFile file;
  const webm::Status status = Parse(std::move(bytes), &file);
  if (!status.completed_ok()) return ParseError(status);
  return file;
}

absl::StatusOr<ParsedFile> ReadWebmFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto bytes, ReadBytes(path));
  return ReadWebm(std::move(bytes));
}

absl::StatusOr<PartialFile> ReadWebmPrefix(const std::string& path, uint64_t data_offset) {
  ASSIGN_OR_RETURN(auto bytes, ReadBytes(path));
  if (bytes.size() < data_offset) {
    return absl::DataLossError(absl::StrCat("'", path, "' is shorter than its ", data_offset,
                                            " bytes of room for a ZIP header"));
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(data_offset));
  PartialFile partial;
  const webm::Status status = Parse(std::move(bytes), &partial.file);
  partial.cut_short = !status.completed_ok();
  if (partial.cut_short && partial.file.doc_type.empty()) return ParseError(status);
  return partial;
}

}  // namespace rtparchive::container
