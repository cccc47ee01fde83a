#include "cli/summary.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/progress_bar.h"

namespace rtparchive::cli {
namespace {

std::string JoinCounts(const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [reason, count] : counts) parts.push_back(absl::StrCat(count, " ", reason));
  return absl::StrJoin(parts, ", ");
}

std::string FormatTrack(const TrackCounters& track, const std::map<int, PayloadTypeInfo>& formats) {
  const auto format = formats.find(track.payload_type);
  const char* codec = format != formats.end() ? ToString(format->second.format) : "?";
  std::string line = absl::StrFormat("    %s ssrc %u pt %d %s",
                                     track.kind == MediaKind::kVideo ? "video" : "audio",
                                     track.ssrc, track.payload_type, codec);
  if (track.layer) {
    absl::StrAppend(&line, " simulcast layer", track.rid.empty() ? "" : " rid ", track.rid);
  }
  if (track.resolutions.size() > 1) {
    std::vector<std::string> sizes;
    for (const auto& [width, height] : track.resolutions) sizes.push_back(absl::StrCat(width, "x", height));
    absl::StrAppend(&line, " ", absl::StrJoin(sizes, " -> "),
                    absl::StrFormat(" (resolution changed %d times)", track.resolution_changes));
  } else if (track.width > 0) {
    absl::StrAppend(&line, absl::StrFormat(" %dx%d", track.width, track.height));
  }
  if (track.rotation_degrees >= 0) {
    absl::StrAppend(&line, absl::StrFormat(", rotation %d°", track.rotation_degrees));
    if (track.rotation_changes > 0)
      absl::StrAppend(&line, absl::StrFormat(" (changed %d times)", track.rotation_changes));
  }
  absl::StrAppend(&line, absl::StrFormat(": %d packets, %d lost, %d duplicate", track.packets,
                                         track.packets_lost, track.packets_duplicate));
  if (track.packets_late > 0)
    absl::StrAppend(&line, absl::StrFormat(", %d late", track.packets_late));
  if (track.packets_retransmitted > 0) {
    absl::StrAppend(&line, absl::StrFormat(", %d retransmitted (RTX; %d not needed)",
                                           track.packets_retransmitted,
                                           track.retransmissions_unneeded));
  }
  if (track.fec_packets > 0)
    absl::StrAppend(&line, absl::StrFormat(", %d FEC skipped", track.fec_packets));
  if (track.frames_recovered > 0) {
    absl::StrAppend(&line,
                    absl::StrFormat(", %d frames recovered from RED", track.frames_recovered));
  }
  absl::StrAppend(&line, absl::StrFormat("\n      %d frames written", track.frames_written));
  if (track.layer) {
    absl::StrAppend(&line, absl::StrFormat(", %d not written (another layer's were)",
                                           track.frames_other_layer));
  }
  int64_t dropped = 0;
  for (const auto& [reason, count] : track.frames_dropped) dropped += count;
  if (dropped > 0) {
    absl::StrAppend(
        &line, absl::StrFormat(", %d dropped (%s)", dropped, JoinCounts(track.frames_dropped)));
  }
  if (!track.packets_dropped.empty()) {
    absl::StrAppend(&line, "; bad payloads: ", JoinCounts(track.packets_dropped));
  }
  if (track.repeated_parameter_sets_removed > 0) {
    absl::StrAppend(&line, absl::StrFormat("; %d SPS/PPS repeated within an access unit left out",
                                           track.repeated_parameter_sets_removed));
  }
  if (track.timestamp_jumps > 0) {
    absl::StrAppend(&line, absl::StrFormat("; %d RTP timestamp jumps bridged by arrival time",
                                           track.timestamp_jumps));
  }
  if (track.timestamps_adjusted > 0) {
    absl::StrAppend(&line, absl::StrFormat("; %d timestamps adjusted", track.timestamps_adjusted));
  }
  absl::StrAppend(&line, "; clock: ",
                  track.clock == "sender_report"
                      ? "RTCP sender reports"
                      : "arrival time (no sender report before the first frame)");
  return line;
}

}  // namespace

std::string FormatSummary(const replay::ReplayReport& report) {
  const replay::Discovery& capture = report.discovery;
  const ArchiveResult& archive = report.archive;
  std::string text =
      absl::StrFormat("Archive %s (%s), createdAt %d\n", archive.zip_path,
                      HumanBytes(static_cast<double>(archive.zip_size)), archive.created_at_ms);
  absl::StrAppend(
      &text,
      absl::StrFormat("Capture: %d records, %d UDP datagrams: %d RTP, %d RTCP, %d not RTP/RTCP",
                      capture.frames, capture.datagrams, capture.rtp_packets, capture.rtcp_packets,
                      capture.not_rtp));
  if (!capture.capture_drops.empty())
    absl::StrAppend(&text, "; unusable records: ", JoinCounts(capture.capture_drops));
  if (report.packets_while_not_added > 0) {
    absl::StrAppend(&text, absl::StrFormat("; %d packets while their stream was not added",
                                           report.packets_while_not_added));
  }
  if (report.packets_not_routed > 0) {
    absl::StrAppend(
        &text, absl::StrFormat("; %d packets of flows not recorded", report.packets_not_routed));
  }
  if (report.srtp.decrypted > 0 || report.srtp.not_authenticated > 0) {
    absl::StrAppend(&text, absl::StrFormat("; SRTP: %d decrypted, %d not authenticated, %d replayed "
                                           "(dropped)",
                                           report.srtp.decrypted, report.srtp.not_authenticated,
                                           report.srtp.replayed));
  }
  if (report.srtp.dtls_without_key > 0) {
    absl::StrAppend(&text, absl::StrFormat("; %d packets of DTLS-SRTP flows dropped: no key (--key_log)",
                                           report.srtp.dtls_without_key));
  }
  if (report.srtp.dtls_keyed > 0 || report.srtp.dtls_not_in_key_log > 0) {
    absl::StrAppend(&text, absl::StrFormat("; DTLS-SRTP: %d handshakes keyed by the key log, %d not in it",
                                           report.srtp.dtls_keyed, report.srtp.dtls_not_in_key_log));
  }
  absl::StrAppend(&text, "\n");
  if (!capture.truncation.empty()) absl::StrAppend(&text, "WARNING: ", capture.truncation, "\n");
  std::map<std::string, const StreamResult*> results;
  for (const StreamResult& result : archive.streams) results[result.stream_id] = &result;
  absl::StrAppend(&text, absl::StrFormat("Streams: %d\n", report.streams.size()));
  for (const replay::PlannedStream& stream : report.streams) {
    const std::string& id = stream.options.stream_id;
    absl::StrAppend(&text, absl::StrFormat("  %s (found by %s)\n", id, stream.found_by));
    auto result = results.find(id);
    std::vector<const FileResult*> files;
    for (const FileResult& file : archive.files) {
      if (file.stream_id == id) files.push_back(&file);
    }
    if (files.empty()) absl::StrAppend(&text, "    no file: no media was recorded\n");
    // Each file, then the tracks of its segment.
    std::vector<int> segments;
    for (const FileResult* file : files) segments.push_back(file->segment);
    if (result != results.end()) {
      for (const TrackCounters& track : result->second->tracks) {
        if (std::find(segments.begin(), segments.end(), track.segment) == segments.end()) {
          segments.push_back(track.segment);
        }
      }
    }
    std::sort(segments.begin(), segments.end());
    for (int segment : segments) {
      for (const FileResult* file : files) {
        if (file->segment != segment) continue;
        absl::StrAppend(
            &text,
            absl::StrFormat("    file %s, %s, %d-%d ms after createdAt, %.2f s\n", file->filename,
                            HumanBytes(static_cast<double>(file->size)), file->start_time_offset_ms,
                            file->stop_time_offset_ms, file->duration_ms / 1000));
      }
      if (result == results.end()) continue;
      for (const TrackCounters& track : result->second->tracks) {
        if (track.segment == segment) {
          absl::StrAppend(&text, FormatTrack(track, stream.options.payload_types), "\n");
        }
      }
      for (const LayerSwitch& change : result->second->layer_switches) {
        if (change.segment != segment) continue;
        absl::StrAppend(&text, absl::StrFormat("      layer at %d ms: ssrc %u%s%s, %dx%d (%s)\n",
                                               change.time_ms, change.to_ssrc,
                                               change.to_rid.empty() ? "" : " rid ", change.to_rid,
                                               change.width, change.height, change.reason));
      }
    }
    if (result != results.end() && result->second->rtx_padding_packets > 0) {
      absl::StrAppend(&text,
                      absl::StrFormat("    %d RTX padding packets (bandwidth probes) ignored\n",
                                      result->second->rtx_padding_packets));
    }
    if (result != results.end() && !result->second->packets_dropped.empty()) {
      absl::StrAppend(&text, "    packets dropped: ", JoinCounts(result->second->packets_dropped),
                      "\n");
    }
  }
  if (!report.notes.empty()) {
    absl::StrAppend(&text, "Notes:\n");
    for (const std::string& note : report.notes) absl::StrAppend(&text, "  ", note, "\n");
  }
  return text;
}

}  // namespace rtparchive::cli
