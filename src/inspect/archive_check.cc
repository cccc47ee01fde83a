#include "inspect/archive_check.h"

#include <rapidjson/document.h>
#include <zip.h>

#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "archive/manifest.h"
#include "base/json_fields.h"
#include "codec/h264_bitstream.h"
#include "codec/vp8_depacketizer.h"
#include "container/webm_reader.h"

namespace rtparchive::inspect {
namespace {

constexpr int64_t kGapMs = 1000;

// Reads a whole entry; libzip checks its CRC when the read reaches the end.
absl::StatusOr<std::vector<uint8_t>> ReadEntry(zip_t* archive, zip_uint64_t index, uint64_t size) {
  zip_file_t* file = zip_fopen_index(archive, index, 0);
  if (file == nullptr) return absl::DataLossError(zip_strerror(archive));
  std::vector<uint8_t> bytes(size);
  const zip_int64_t got = zip_fread(file, bytes.data(), size);
  std::string error = got < 0 ? zip_file_strerror(file) : "";
  uint8_t extra = 0;
  if (got >= 0 && zip_fread(file, &extra, 1) != 0)
    error = zip_file_strerror(file);  // CRC check at EOF
  zip_fclose(file);
  if (got < 0 || static_cast<uint64_t>(got) != size || !error.empty()) {
    return absl::DataLossError(error.empty() ? "entry shorter than its header says" : error);
  }
  return bytes;
}

// The picture size a video keyframe's own headers give, when they do.
std::optional<codec::VideoSize> KeyframeSize(const std::string& codec_id,
                                             absl::Span<const uint8_t> frame) {
  if (codec_id == "V_VP8") return codec::Vp8Depacketizer().KeyframeSize(frame);
  std::optional<codec::VideoSize> size;
  codec::ForEachAvccNal(frame, [&](absl::Span<const uint8_t> nal) {
    if (codec::H264NalTypeOf(nal[0]) != 7) return;
    if (auto sps = codec::ParseH264Sps(nal)) size = sps->size;
  });
  return size;
}

void CheckContainer(const std::vector<uint8_t>& bytes, FileReport* file,
                    std::vector<std::string>* problems) {
  auto problem = [&](const std::string& text) {
    problems->push_back(file->filename + ": " + text);
  };
  auto parsed = container::ReadWebm(bytes);
  if (!parsed.ok()) {
    problem(absl::StrCat("does not parse as WebM/Matroska (", parsed.status().message(), ")"));
    return;
  }
  file->doc_type = parsed->doc_type;
  file->duration_ms = parsed->duration * static_cast<double>(parsed->timestamp_scale_ns) / 1e6;
  file->cue_points = parsed->cue_points;
  const bool webm = absl::EndsWith(file->filename, ".webm");
  if (parsed->doc_type != (webm ? "webm" : "matroska")) {
    problem(absl::StrCat("DocType '", parsed->doc_type, "' does not match the file extension"));
  }
  std::map<uint64_t, TrackReport*> by_number;
  for (const container::ParsedTrack& track : parsed->tracks) {
    TrackReport report;
    report.number = track.number;
    report.kind = track.type == 1 ? "video" : track.type == 2 ? "audio" : "other";
    report.codec_id = track.codec_id;
    report.width = static_cast<int>(track.pixel_width);
    report.height = static_cast<int>(track.pixel_height);
    report.rotation_degrees = track.rotation_degrees.value_or(-1);
    const bool allowed = track.codec_id == "V_VP8" || track.codec_id == "A_OPUS" ||
                         (!webm && track.codec_id == "V_MPEG4/ISO/AVC");
    if (!allowed) problem(absl::StrCat("track ", track.number, " has codec ", track.codec_id));
    if (report.kind == "video" && (report.width <= 0 || report.height <= 0)) {
      problem(absl::StrCat("video track ", track.number, " has no picture size"));
    }
    file->tracks.push_back(report);
  }
  for (TrackReport& track : file->tracks) by_number[track.number] = &track;
  int64_t last_any_ms = 0;
  int64_t frame_ms = 20;  // the longest last frame interval of a track: "one frame"
  std::map<uint64_t, codec::VideoSize> last_size;  // by track
  for (const container::ParsedFrame& frame : parsed->frames) {
    auto track = by_number.find(frame.track);
    if (track == by_number.end()) {
      problem(absl::StrCat("a block for track ", frame.track, ", which Tracks does not declare"));
      continue;
    }
    TrackReport& report = *track->second;
    if (report.last_ms >= 0 && frame.timestamp_ms <= report.last_ms) {
      problem(absl::StrCat("track ", report.number, " timestamps do not rise: ", frame.timestamp_ms,
                           " ms after ", report.last_ms, " ms"));
    }
    if (report.last_ms >= 0 && frame.timestamp_ms - report.last_ms > kGapMs) {
      report.gaps.push_back({report.last_ms, frame.timestamp_ms});
    }
    if (report.first_ms < 0) report.first_ms = frame.timestamp_ms;
    if (report.last_ms >= 0) report.last_interval_ms = frame.timestamp_ms - report.last_ms;
    report.last_ms = frame.timestamp_ms;
    ++report.frames;
    report.keyframes += frame.keyframe ? 1 : 0;
    if (frame.keyframe && report.kind == "video") {
      if (auto size = KeyframeSize(report.codec_id, frame.data)) {
        auto last = last_size.find(frame.track);
        if (last != last_size.end() && !(last->second == *size)) {
          report.size_changes.push_back({frame.timestamp_ms, size->width, size->height});
        }
        last_size[frame.track] = *size;
      }
    }
    last_any_ms = std::max(last_any_ms, frame.timestamp_ms);
  }
  if (parsed->frames.empty()) problem("holds no frames");
  if (parsed->cue_points == 0) problem("has no Cues: players cannot seek in it");
  const int64_t span_ms = file->stop_time_offset_ms - file->start_time_offset_ms;
  if (last_any_ms != span_ms) {
    problem(absl::StrCat("last frame at ", last_any_ms, " ms, but the manifest's offsets span ",
                         span_ms, " ms"));
  }
  // The Duration ends after the last frame, by at most one frame.
  for (const TrackReport& track : file->tracks) {
    frame_ms = std::max(frame_ms, std::min<int64_t>(track.last_interval_ms, kGapMs));
  }
  if (file->duration_ms < static_cast<double>(last_any_ms) ||
      file->duration_ms > static_cast<double>(last_any_ms + frame_ms) + 1) {
    problem(absl::StrCat("Duration ", file->duration_ms, " ms does not fit its last frame at ",
                         last_any_ms, " ms (a frame lasts up to ", frame_ms, " ms here)"));
  }
}

// Segments of one stream follow each other: each starts at or after the
// stop of every one that started before it.
void CheckSegmentOrder(const std::vector<FileReport>& files, std::vector<std::string>* problems) {
  std::map<std::string, std::vector<const FileReport*>> by_stream;
  for (const FileReport& file : files) by_stream[file.stream_id].push_back(&file);
  for (auto& [stream_id, segments] : by_stream) {
    std::stable_sort(segments.begin(), segments.end(), [](const FileReport* a, const FileReport* b) {
      return a->start_time_offset_ms < b->start_time_offset_ms;
    });
    const FileReport* latest = nullptr;  // the one that stops last so far
    for (const FileReport* segment : segments) {
      if (latest != nullptr && segment->start_time_offset_ms < latest->stop_time_offset_ms) {
        problems->push_back(absl::StrCat(
            segment->filename, ": starts at ", segment->start_time_offset_ms, " ms, before ",
            latest->filename, " of the same stream stops (", latest->stop_time_offset_ms,
            " ms): segments of a stream must not overlap"));
      }
      if (latest == nullptr || segment->stop_time_offset_ms > latest->stop_time_offset_ms) {
        latest = segment;
      }
    }
  }
}

}  // namespace

absl::StatusOr<ArchiveReport> CheckArchive(const std::string& zip_path) {
  int error = 0;
  zip_t* archive = zip_open(zip_path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    zip_error_t zip_error;
    zip_error_init_with_code(&zip_error, error);
    absl::Status status = absl::InvalidArgumentError(absl::StrCat(
        "'", zip_path, "' is not a readable ZIP archive: ", zip_error_strerror(&zip_error)));
    zip_error_fini(&zip_error);
    return status;
  }
  ArchiveReport report;
  std::map<std::string, std::pair<zip_uint64_t, uint64_t>> entries;  // name -> index, size
  std::vector<std::string> manifests;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t index = 0; index < count; ++index) {
    zip_stat_t stat;
    if (zip_stat_index(archive, index, 0, &stat) != 0) continue;
    const std::string name = stat.name;
    if (name.find('/') != std::string::npos)
      report.problems.push_back("entry '" + name + "' is not at the ZIP root");
    entries[name] = {static_cast<zip_uint64_t>(index), stat.size};
    if (absl::EndsWith(name, ".json")) manifests.push_back(name);
  }
  if (manifests.size() != 1) {
    report.problems.push_back(absl::StrCat(
        "the archive must hold exactly one .json entry (the manifest), found ", manifests.size()));
    zip_close(archive);
    return report;
  }
  auto manifest_bytes =
      ReadEntry(archive, entries[manifests[0]].first, entries[manifests[0]].second);
  if (!manifest_bytes.ok()) {
    report.problems.push_back(absl::StrCat(manifests[0], ": ", manifest_bytes.status().message()));
    zip_close(archive);
    return report;
  }
  const std::string manifest_text(manifest_bytes->begin(), manifest_bytes->end());
  if (absl::Status valid = archive::ValidateManifestJson(manifest_text); !valid.ok()) {
    report.problems.push_back(absl::StrCat(manifests[0], ": ", valid.message()));
  }
  rapidjson::Document manifest;
  manifest.Parse(manifest_text.data(), manifest_text.size());
  if (manifest.HasParseError() || !manifest.IsObject()) {
    zip_close(archive);
    return report;
  }
  report.id = StringOf(manifest, "id");
  report.name = StringOf(manifest, "name");
  report.session_id = StringOf(manifest, "sessionId");
  report.partner_id = IntOf(manifest, "partnerId");
  report.created_at_ms = IntOf(manifest, "createdAt");
  std::map<std::string, bool> listed;
  if (manifest.HasMember("files") && manifest["files"].IsArray()) {
    for (const rapidjson::Value& item : manifest["files"].GetArray()) {
      if (!item.IsObject()) continue;
      FileReport file;
      file.filename = StringOf(item, "filename");
      file.stream_id = StringOf(item, "streamId");
      file.size = item.HasMember("size") && item["size"].IsUint64() ? item["size"].GetUint64() : 0;
      file.start_time_offset_ms = IntOf(item, "startTimeOffset");
      file.stop_time_offset_ms = IntOf(item, "stopTimeOffset");
      file.video_type = StringOf(item, "videoType");
      file.connection_data = StringOf(item, "connectionData");
      listed[file.filename] = true;
      auto entry = entries.find(file.filename);
      if (entry == entries.end()) {
        report.problems.push_back(file.filename +
                                  ": listed in the manifest but missing from the ZIP");
      } else if (entry->second.second != file.size) {
        report.problems.push_back(absl::StrCat(file.filename, ": the manifest says ", file.size,
                                               " bytes, the file has ", entry->second.second));
      } else {
        auto bytes = ReadEntry(archive, entry->second.first, entry->second.second);
        if (!bytes.ok()) {
          report.problems.push_back(absl::StrCat(file.filename, ": ", bytes.status().message()));
        } else {
          CheckContainer(*bytes, &file, &report.problems);
        }
      }
      report.files.push_back(std::move(file));
    }
  }
  CheckSegmentOrder(report.files, &report.problems);
  for (const auto& [name, entry] : entries) {
    if (name != manifests[0] && !listed.count(name)) {
      report.problems.push_back(name + ": in the ZIP but not in the manifest");
    }
  }
  zip_close(archive);
  return report;
}

}  // namespace rtparchive::inspect
