// RecoverArchive: a dead recorder's working folder -> a complete archive.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "archive/finalise.h"
#include "archive/journal.h"
#include "archive/zip_writer.h"
#include "base/status_macros.h"
#include "container/segment_writer.h"
#include "container/webm_reader.h"
#include "rtparchive/archive.h"

namespace rtparchive {
namespace {

constexpr int kVideoTrackType = 1, kAudioTrackType = 2;  // Matroska TrackType

// Writes what `parsed` holds as a complete segment file at `path`.
absl::StatusOr<container::SegmentStats> Rewrite(container::ParsedFile parsed,
                                                const std::string& path, uint64_t data_offset,
                                                int64_t* skipped) {
  container::SegmentConfig config;
  config.doc_type = parsed.doc_type;
  config.has_video = config.has_audio = false;
  std::map<uint64_t, MediaKind> kinds;
  const container::ParsedTrack* video = nullptr;
  for (const container::ParsedTrack& track : parsed.tracks) {
    if (track.type == kVideoTrackType) {
      config.has_video = true;
      config.video_codec_id = track.codec_id;
      config.video_codec_private = track.codec_private;
      kinds[track.number] = MediaKind::kVideo;
      video = &track;
    } else if (track.type == kAudioTrackType) {
      config.has_audio = true;
      config.audio_codec_id = track.codec_id;
      if (track.channels > 0) config.audio_channels = static_cast<int>(track.channels);
      kinds[track.number] = MediaKind::kAudio;
    }
  }
  container::FileSinkOptions sink_options;
  sink_options.leading_room = data_offset;
  sink_options.sum_crc32 = true;
  ASSIGN_OR_RETURN(auto sink, container::FileSink::Create(path, sink_options));
  ASSIGN_OR_RETURN(auto writer, container::SegmentWriter::Start(std::move(sink), config));
  for (container::ParsedFrame& parsed_frame : parsed.frames) {
    auto kind = kinds.find(parsed_frame.track);
    if (kind == kinds.end() || parsed_frame.data.empty()) {
      ++*skipped;
      continue;
    }
    codec::EncodedFrame frame;
    frame.data = std::move(parsed_frame.data);
    frame.keyframe = parsed_frame.keyframe;
    if (kind->second == MediaKind::kVideo && frame.keyframe && video->pixel_width > 0) {
      frame.size = codec::VideoSize{static_cast<int>(video->pixel_width),
                                    static_cast<int>(video->pixel_height)};
      frame.rotation_degrees = video->rotation_degrees;
    }
    absl::Status put = writer->PutFrame(kind->second, std::move(frame), parsed_frame.timestamp_ms);
    if (put.code() == absl::StatusCode::kFailedPrecondition) {
      ++*skipped;  // out of order: damage, not a frame the recorder wrote
      continue;
    }
    if (!put.ok()) return put;
  }
  return writer->Finish();
}

}  // namespace

absl::StatusOr<ArchiveResult> RecoverArchive(const std::string& working_folder,
                                             const std::string& output_path) {
  const std::string journal_path = working_folder + "/" + archive::kJournalName;
  auto journal = archive::ReadJournal(journal_path);
  if (!journal.ok() || !journal->archive) {
    return absl::NotFoundError(absl::StrCat(
        "'", working_folder, "' holds no readable ", archive::kJournalName,
        ": give the working folder an archive left behind (<output>.parts)"));
  }
  const std::string repaired_folder = working_folder + "/recovered";
  if (::mkdir(repaired_folder.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create '", repaired_folder,
                                                    "': ", std::strerror(errno)));
  }
  ArchiveResult result;
  if (journal->unreadable_lines > 0) {
    result.warnings.push_back(absl::StrCat(journal->unreadable_lines,
                                           " journal lines could not be read (a torn last line)"));
  }
  std::vector<archive::SegmentRecord> files;
  for (const archive::SegmentRecord& segment : journal->segments) {
    const std::string source = working_folder + "/" + segment.file.filename;
    auto partial = container::ReadWebmPrefix(source, segment.data_offset);
    if (!partial.ok()) {
      result.warnings.push_back(absl::StrCat(segment.file.filename, ": left out: ",
                                             partial.status().message()));
      continue;
    }
    if (partial->file.frames.empty()) {
      result.warnings.push_back(absl::StrCat(segment.file.filename, ": left out: no complete frame"));
      continue;
    }
    const size_t frames_read = partial->file.frames.size();
    const bool cut_short = partial->cut_short;
    int64_t skipped = 0;
    const std::string repaired = repaired_folder + "/" + segment.file.filename;
    // Room for the ZIP entry's header in front, as the recorder leaves it.
    const uint64_t data_offset = archive::LocalHeaderBytes(segment.file.filename);
    ASSIGN_OR_RETURN(auto stats, Rewrite(std::move(partial->file), repaired, data_offset, &skipped));
    if (cut_short || skipped > 0) {
      result.warnings.push_back(absl::StrCat(
          segment.file.filename, ": ", cut_short ? "cut short; " : "", frames_read - skipped,
          " frames recovered", skipped > 0 ? absl::StrCat(", ", skipped, " unusable") : ""));
    }
    archive::SegmentRecord record = segment;
    record.path = repaired;
    record.data_offset = data_offset;
    record.file.size = stats.bytes;
    record.file.duration_ms = stats.duration_ms;
    record.last_capture_ms = segment.first_capture_ms + stats.last_timestamp_ms;
    record.crc32 = stats.crc32;
    files.push_back(std::move(record));
  }
  if (files.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("nothing to recover in '", working_folder, "': no segment file holds a frame"));
  }
  RETURN_IF_ERROR(archive::WriteArchiveZip(*journal->archive, 0, files, output_path, &result));
  result.stop_reason = "recovered from the working folder of a recorder that stopped unexpectedly";
  return result;
}

}  // namespace rtparchive
