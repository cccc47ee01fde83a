#include "cli/inspect_output.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "base/json_fields.h"
#include "cli/progress_bar.h"

namespace rtparchive::cli {
namespace {

std::string Escape(const std::string& text) {  // for SVG text
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string FormatInspect(const inspect::ArchiveReport& report) {
  std::string text = absl::StrFormat(
      "Archive %s \"%s\", session \"%s\", partner %d\ncreatedAt %d (%s)\n%d files\n", report.id,
      report.name, report.session_id, report.partner_id, report.created_at_ms,
      absl::FormatTime("%Y-%m-%d %H:%M:%E3S UTC", absl::FromUnixMillis(report.created_at_ms),
                       absl::UTCTimeZone()),
      report.files.size());
  for (const inspect::FileReport& file : report.files) {
    absl::StrAppend(
        &text,
        absl::StrFormat("  %s: stream %s (%s), %.3f-%.3f s after createdAt, duration %.3f s, %s, "
                        "%s, %d cue points\n",
                        file.filename, file.stream_id, file.video_type,
                        file.start_time_offset_ms / 1000.0, file.stop_time_offset_ms / 1000.0,
                        file.duration_ms / 1000, HumanBytes(static_cast<double>(file.size)),
                        file.doc_type, file.cue_points));
    for (const inspect::TrackReport& track : file.tracks) {
      absl::StrAppend(
          &text, absl::StrFormat("    %s track %d %s", track.kind, track.number, track.codec_id));
      if (track.width > 0)
        absl::StrAppend(&text, absl::StrFormat(" %dx%d", track.width, track.height));
      if (track.rotation_degrees >= 0)
        absl::StrAppend(&text, absl::StrFormat(", rotation %d°", track.rotation_degrees));
      absl::StrAppend(&text, absl::StrFormat(": %d frames (%d keyframes), %d-%d ms", track.frames,
                                             track.keyframes, track.first_ms, track.last_ms));
      for (const inspect::SizeChange& change : track.size_changes) {
        absl::StrAppend(&text, absl::StrFormat("; %dx%d from %d ms", change.width, change.height,
                                               change.at_ms));
      }
      for (const inspect::Gap& gap : track.gaps) {
        absl::StrAppend(&text, absl::StrFormat("; gap %d-%d ms", gap.from_ms, gap.to_ms));
      }
      absl::StrAppend(&text, "\n");
    }
  }
  if (!report.problems.empty()) {
    absl::StrAppend(
        &text, absl::StrFormat("%d problems (see rtparchive verify)\n", report.problems.size()));
  }
  return text;
}

std::string InspectJson(const inspect::ArchiveReport& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> json(buffer);
  json.SetIndent(' ', 2);
  json.StartObject();
  WriteMember(json, "id", report.id);
  WriteMember(json, "name", report.name);
  WriteMember(json, "sessionId", report.session_id);
  WriteMember(json, "partnerId", report.partner_id);
  WriteMember(json, "createdAt", report.created_at_ms);
  json.Key("files");
  json.StartArray();
  for (const inspect::FileReport& file : report.files) {
    json.StartObject();
    WriteMember(json, "filename", file.filename);
    WriteMember(json, "streamId", file.stream_id);
    WriteMember(json, "videoType", file.video_type);
    WriteMember(json, "size", file.size);
    WriteMember(json, "startTimeOffset", file.start_time_offset_ms);
    WriteMember(json, "stopTimeOffset", file.stop_time_offset_ms);
    WriteMember(json, "durationMs", file.duration_ms);
    WriteMember(json, "docType", file.doc_type);
    WriteMember(json, "cuePoints", file.cue_points);
    json.Key("tracks");
    json.StartArray();
    for (const inspect::TrackReport& track : file.tracks) {
      json.StartObject();
      WriteMember(json, "number", track.number);
      WriteMember(json, "kind", track.kind);
      WriteMember(json, "codecId", track.codec_id);
      if (track.width > 0) {
        WriteMember(json, "width", track.width);
        WriteMember(json, "height", track.height);
      }
      WriteMember(json, "frames", track.frames);
      WriteMember(json, "keyframes", track.keyframes);
      WriteMember(json, "firstMs", track.first_ms);
      WriteMember(json, "lastMs", track.last_ms);
      json.Key("gaps");
      json.StartArray();
      for (const inspect::Gap& gap : track.gaps) {
        json.StartObject();
        WriteMember(json, "fromMs", gap.from_ms);
        WriteMember(json, "toMs", gap.to_ms);
        json.EndObject();
      }
      json.EndArray();
      if (track.kind == "video") {
        json.Key("sizeChanges");
        json.StartArray();
        for (const inspect::SizeChange& change : track.size_changes) {
          json.StartObject();
          WriteMember(json, "atMs", change.at_ms);
          WriteMember(json, "width", change.width);
          WriteMember(json, "height", change.height);
          json.EndObject();
        }
        json.EndArray();
        if (track.rotation_degrees >= 0) {
          WriteMember(json, "rotationDegrees", track.rotation_degrees);
        }
      }
      json.EndObject();
    }
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.Key("problems");
  json.StartArray();
  for (const std::string& problem : report.problems) {
    json.String(problem.data(), static_cast<rapidjson::SizeType>(problem.size()));
  }
  json.EndArray();
  json.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string TimelineSvg(const inspect::ArchiveReport& report) {
  // One row per stream; segments as bars on a shared axis of ms after createdAt.
  std::vector<std::string> streams;
  int64_t end_ms = 1;
  for (const inspect::FileReport& file : report.files) {
    if (std::find(streams.begin(), streams.end(), file.stream_id) == streams.end()) {
      streams.push_back(file.stream_id);
    }
    end_ms = std::max(end_ms, file.stop_time_offset_ms);
  }
  constexpr int kLabel = 320, kWidth = 900, kRow = 34, kTop = 30;
  const double scale = static_cast<double>(kWidth) / static_cast<double>(end_ms);
  const int height = kTop + kRow * static_cast<int>(streams.size()) + 30;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"18\">archive %s: segments (bars) and gaps over 1 s (yellow: video above, "
      "audio below), ms after "
      "createdAt</text>\n",
      kLabel + kWidth + 20, height, Escape(report.id));
  for (size_t row = 0; row < streams.size(); ++row) {
    const int y = kTop + kRow * static_cast<int>(row);
    absl::StrAppend(
        &svg, absl::StrFormat("<text x=\"10\" y=\"%d\">%s</text>\n", y + 18, Escape(streams[row])));
    for (const inspect::FileReport& file : report.files) {
      if (file.stream_id != streams[row]) continue;
      const double x = kLabel + file.start_time_offset_ms * scale;
      const double w =
          std::max(1.0, (file.stop_time_offset_ms - file.start_time_offset_ms) * scale);
      absl::StrAppend(&svg,
                      absl::StrFormat("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"22\" "
                                      "fill=\"#4a90d9\"><title>%s</title></rect>\n",
                                      x, y + 4, w, Escape(file.filename)));
      for (const inspect::TrackReport& track : file.tracks) {
        for (const inspect::Gap& gap : track.gaps) {
          absl::StrAppend(
              &svg, absl::StrFormat("<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                    "fill=\"#f5c542\"><title>%s gap %d-%d ms</title></rect>\n",
                                    kLabel + (file.start_time_offset_ms + gap.from_ms) * scale,
                                    y + (track.kind == "video" ? 4 : 15),
                                    std::max(1.0, (gap.to_ms - gap.from_ms) * scale), 11,
                                    track.kind, gap.from_ms, gap.to_ms));
        }
      }
    }
  }
  const int axis_y = kTop + kRow * static_cast<int>(streams.size()) + 10;
  absl::StrAppend(
      &svg, absl::StrFormat("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
                            kLabel, axis_y, kLabel + kWidth, axis_y));
  for (int tick = 0; tick <= 4; ++tick) {
    const int64_t ms = end_ms * tick / 4;
    absl::StrAppend(&svg,
                    absl::StrFormat("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n",
                                    kLabel + ms * scale, axis_y + 15, ms));
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

}  // namespace rtparchive::cli
