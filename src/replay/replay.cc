#include "replay/replay.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/stable_id.h"
#include "base/status_macros.h"
#include "ingest/pcap_reader.h"
#include "replay/sdp_streams.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::replay {
namespace {

bool Matches(const SessionStream& wanted, const DiscoveredTrack& track) {
  if (!wanted.ssrcs.empty()) {
    return std::find(wanted.ssrcs.begin(), wanted.ssrcs.end(), track.ssrc) != wanted.ssrcs.end();
  }
  if (!wanted.cname.empty()) return wanted.cname == track.cname;
  return wanted.source == track.flow.source.ToString();
}

std::string Describe(const DiscoveredTrack& track) {
  return absl::StrFormat("ssrc %u (payload type %d, %s, %d packets)", track.ssrc,
                         track.payload_type, track.flow.ToString(), track.packets);
}

std::string NoStreamMessage(const std::string& capture, const Discovery& discovery) {
  std::string message = absl::StrFormat(
      "no VP8, H.264 or Opus RTP stream to record in '%s': %d capture records, %d UDP datagrams, "
      "%d RTP and %d RTCP packets, %d other UDP payloads.",
      capture, discovery.frames, discovery.datagrams, discovery.rtp_packets, discovery.rtcp_packets,
      discovery.not_rtp);
  for (const DiscoveredTrack& track : discovery.tracks) {
    if (!track.format)
      absl::StrAppend(&message, "\n  ", Describe(track), ": ", track.why_not_recognised);
  }
  absl::StrAppend(&message,
                  discovery.datagrams == 0
                      ? "\nCapture the media's UDP traffic (e.g. tcpdump -w out.pcap udp)."
                      : "\nGive a --session file that maps payload types and streams, "
                        "or capture the media flows themselves.");
  return message;
}

// The stream records `track`: its SSRC, payload types, RTX pairs and
// header extensions (a mapping the stream has already stays).
void AddTrack(const DiscoveredTrack& track, PlannedStream* stream) {
  stream->ssrcs.insert(track.ssrc);
  StreamOptions& options = stream->options;
  for (const auto& [payload_type, format] : track.payload_types) {
    options.payload_types.emplace(payload_type, format);
  }
  options.rtx_ssrcs.insert(track.rtx_ssrcs.begin(), track.rtx_ssrcs.end());
  options.simulcast_ssrcs.insert(track.simulcast_ssrcs.begin(), track.simulcast_ssrcs.end());
  options.header_extensions.insert(track.header_extensions.begin(), track.header_extensions.end());
}

}  // namespace

absl::StatusOr<std::vector<PlannedStream>> PlanStreams(const Discovery& discovery,
                                                       const std::optional<SessionFile>& session,
                                                       std::vector<std::string>* notes) {
  std::vector<PlannedStream> planned;
  std::set<uint32_t> used;
  if (!session) {
    for (const DiscoveredStream& found : discovery.streams) {
      PlannedStream stream;
      stream.options.stream_id = found.stream_id;
      stream.options.has_audio = stream.options.has_video = false;
      for (const DiscoveredTrack& track : found.tracks) {
        AddTrack(track, &stream);
        (KindOf(*track.format) == MediaKind::kAudio ? stream.options.has_audio
                                                     : stream.options.has_video) = true;
        used.insert(track.ssrc);
      }
      stream.found_by = found.key;
      planned.push_back(std::move(stream));
    }
  } else {
    for (const SessionStream& wanted : session->streams) {
      PlannedStream stream;
      stream.options = wanted.options;
      stream.found_by = !wanted.ssrcs.empty()   ? "ssrcs"
                        : !wanted.cname.empty() ? absl::StrCat("cname:", wanted.cname)
                                                : absl::StrCat("source:", wanted.source);
      for (const DiscoveredTrack& track : discovery.tracks) {
        if (!Matches(wanted, track)) continue;
        auto mapped = session->payload_types.find(track.payload_type);
        std::optional<PayloadTypeInfo> format =
            mapped != session->payload_types.end() ? std::optional(mapped->second) : track.format;
        if (!format) {
          notes->push_back(absl::StrCat("stream ", wanted.options.stream_id, ": left out ",
                                        Describe(track), ": ", track.why_not_recognised));
          continue;
        }
        stream.options.payload_types[track.payload_type] = *format;
        AddTrack(track, &stream);
        used.insert(track.ssrc);
      }
      if (stream.ssrcs.empty()) {
        notes->push_back(absl::StrCat("stream ", wanted.options.stream_id, ": no packets matched ",
                                      stream.found_by, "; it gets no file"));
      }
      planned.push_back(std::move(stream));
    }
  }
  for (const DiscoveredTrack& track : discovery.tracks) {
    if (used.count(track.ssrc)) continue;
    notes->push_back(absl::StrCat(
        "left out ", Describe(track), ": ",
        !track.format ? track.why_not_recognised : std::string("not named in the session file")));
  }
  const bool any = std::any_of(planned.begin(), planned.end(),
                               [](const PlannedStream& stream) { return !stream.ssrcs.empty(); });
  if (!any) return absl::NotFoundError("no stream has packets in the capture");
  return planned;
}

absl::StatusOr<ReplayReport> Replay(const ReplayOptions& options) {
  ReplayReport report;
  auto discovery = DiscoverStreams(
      options.capture_path,
      [&](int64_t done, int64_t total) {
        if (options.progress) options.progress("scanning", done, total);
      },
      MidExtensionIds(options.sdps));
  if (!discovery.ok()) return discovery.status();
  report.discovery = std::move(*discovery);
  // Without a session file, streams are found in the capture and the SDPs;
  // with one, the SDPs' payload types come under the session file's own.
  std::optional<SessionFile> session_with_sdp = options.session;
  if (!options.sdps.empty()) {
    ApplySdp(options.sdps, &report.discovery);
    if (session_with_sdp) {
      for (const sdp::SessionDescription& description : options.sdps) {
        for (const auto& [payload_type, format] : description.PayloadTypes()) {
          session_with_sdp->payload_types.emplace(payload_type, format);
        }
      }
    }
  }
  auto planned = PlanStreams(report.discovery, session_with_sdp, &report.notes);
  if (!planned.ok()) {
    if (options.session && !report.discovery.streams.empty()) {
      return absl::NotFoundError(
          absl::StrCat("none of the session file's streams matched a flow in '",
                       options.capture_path, "':\n  ", absl::StrJoin(report.notes, "\n  ")));
    }
    return absl::NotFoundError(NoStreamMessage(options.capture_path, report.discovery));
  }
  report.streams = std::move(*planned);

  // Checked before the archive starts, so a mistake leaves nothing behind.
  std::set<std::string> known_ids;
  for (const PlannedStream& stream : report.streams) {
    if (!stream.ssrcs.empty()) known_ids.insert(stream.options.stream_id);
  }
  std::vector<StreamEvent> events = options.events.value_or(std::vector<StreamEvent>());
  for (const StreamEvent& event : events) {
    if (!known_ids.count(event.stream_id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the events file names stream '", event.stream_id,
          "', which has no packets in the capture; its streams are: ", absl::StrJoin(known_ids, ", ")));
    }
  }

  ArchiveOptions archive_options;
  std::vector<std::string> keys;
  for (const PlannedStream& stream : report.streams) keys.push_back(stream.found_by);
  const SessionFile* session = options.session ? &*options.session : nullptr;
  archive_options.id = session && session->archive_id
                           ? *session->archive_id
                           : StableUuid(absl::StrCat("archive:", report.discovery.first_arrival_us,
                                                     ":", absl::StrJoin(keys, ",")));
  if (session) {
    archive_options.name = session->name.value_or("");
    archive_options.session_id = session->session_id.value_or("");
    archive_options.partner_id = session->partner_id.value_or(0);
    archive_options.video_codec = session->video_codec.value_or(VideoCodec::kVp8);
    archive_options.has_audio = session->has_audio;
    archive_options.has_video = session->has_video;
  }
  if (!session || !session->video_codec) {
    // The archive's codec follows what the recorded tracks send.
    std::vector<PayloadFormat> sent;
    for (const DiscoveredTrack& track : report.discovery.tracks) {
      const bool recorded = std::any_of(
          report.streams.begin(), report.streams.end(),
          [&](const PlannedStream& stream) { return stream.ssrcs.count(track.ssrc) > 0; });
      if (recorded && track.format) sent.push_back(track.format->format);
    }
    archive_options.video_codec = ChooseVideoCodec(sent);
  }
  archive_options.output_path = options.output_path;
  archive_options.wait_for_keyframe_after_loss = options.wait_for_keyframe_after_loss;
  archive_options.reorder_max_wait_us = options.reorder_max_wait_us;
  archive_options.on_log = options.log;
  // A replay can be run again: its segment files need not reach the kernel
  // cluster by cluster, and handing them over 1 MiB at a time saves a wake-up
  // of each file's writer thread per cluster.
  archive_options.flush_each_cluster = false;
  ASSIGN_OR_RETURN(auto archive, Archive::Start(archive_options));
  std::map<uint32_t, std::string> stream_of_ssrc;
  std::map<std::string, const PlannedStream*> planned_by_id;
  for (const PlannedStream& stream : report.streams) {
    if (stream.ssrcs.empty()) continue;
    planned_by_id[stream.options.stream_id] = &stream;
    for (uint32_t ssrc : stream.ssrcs) stream_of_ssrc[ssrc] = stream.options.stream_id;
  }
  std::set<std::string> added;
  // Adds a stream; one over the archive's stream limit is noted, not fatal.
  auto add_stream = [&](StreamOptions stream) -> absl::Status {
    stream.layer = options.layer;
    absl::Status status = archive->AddStream(stream);
    if (status.ok()) {
      added.insert(stream.stream_id);
      return status;
    }
    if (status.code() != absl::StatusCode::kResourceExhausted) return status;
    report.notes.push_back(std::string(status.message()));
    return absl::OkStatus();
  };
  const int64_t start_us = report.discovery.first_arrival_us;
  std::stable_sort(events.begin(), events.end(), [start_us](const auto& a, const auto& b) {
    return a.TimeUs(start_us) < b.TimeUs(start_us);
  });
  if (!options.events) {
    for (const PlannedStream& stream : report.streams) {
      if (stream.ssrcs.empty()) continue;
      RETURN_IF_ERROR(add_stream(stream.options));
    }
  }
  size_t next_event = 0;
  // Applies the events due by `now_us`.
  auto apply_events = [&](int64_t now_us) -> absl::Status {
    for (; next_event < events.size() && events[next_event].TimeUs(start_us) <= now_us;
         ++next_event) {
      const StreamEvent& event = events[next_event];
      if (event.action == StreamEvent::Action::kRemove) {
        if (added.erase(event.stream_id)) {
          RETURN_IF_ERROR(archive->RemoveStream(event.stream_id));
        }
        continue;
      }
      if (added.count(event.stream_id)) continue;
      StreamOptions stream = planned_by_id[event.stream_id]->options;
      if (event.has_audio) stream.has_audio = *event.has_audio;
      if (event.has_video) stream.has_video = *event.has_video;
      RETURN_IF_ERROR(add_stream(stream));
    }
    return absl::OkStatus();
  };

  ASSIGN_OR_RETURN(auto reader, ingest::PcapReader::Open(options.capture_path, options.log));
  ingest::Datagram datagram;
  int64_t count = 0;
  while (reader->Next(&datagram) == ingest::PcapReader::Result::kDatagram) {
    if (options.progress && ++count % 4096 == 0) {
      options.progress("recording", reader->position(), reader->file_size());
    }
    const absl::Span<const uint8_t> packet = datagram.payload;
    if (!rtp::LooksLikeRtpOrRtcp(packet)) continue;
    // RTP's SSRC is at byte 8; an RTCP compound's sender SSRC at byte 4.
    const size_t at = rtp::LooksLikeRtcp(packet) ? 4 : 8;
    if (packet.size() < at + 4) continue;
    const uint32_t ssrc = uint32_t{packet[at]} << 24 | uint32_t{packet[at + 1]} << 16 |
                          uint32_t{packet[at + 2]} << 8 | packet[at + 3];
    RETURN_IF_ERROR(apply_events(datagram.arrival_time_us));
    auto stream = stream_of_ssrc.find(ssrc);
    if (stream == stream_of_ssrc.end()) {
      ++report.packets_not_routed;
      continue;
    }
    if (!added.count(stream->second)) {
      ++report.packets_while_not_added;
      continue;
    }
    if (absl::Status pushed =
            archive->PushPacket(stream->second, packet, datagram.arrival_time_us);
        !pushed.ok()) {
      // A rule stopped the archive (or writing failed, which Stop reports).
      report.notes.push_back(absl::StrCat("recording ended at ", datagram.arrival_time_us / 1000,
                                          " ms: ", pushed.message(),
                                          "; the rest of the capture is not in the archive"));
      break;
    }
  }
  if (options.progress)
    options.progress("recording", reader->file_size(), reader->file_size());
  ASSIGN_OR_RETURN(auto result, archive->Stop());
  report.archive = std::move(result);
  return report;
}

}  // namespace rtparchive::replay
