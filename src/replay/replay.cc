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

namespace {

// Scans the capture and plans the streams to record: fills the report's
// discovery, streams and notes.
absl::Status PlanReplay(const ReplayOptions& options, ReplayReport* report) {
  ASSIGN_OR_RETURN(std::vector<srtp::SrtpKey> keys, CollectSrtpKeys(options.srtp_keys, options.sdps));
  SrtpCounts scan_counts;
  ASSIGN_OR_RETURN(DatagramFilter decrypt, MakeSrtpFilter(keys, options.key_log, &scan_counts));
  ASSIGN_OR_RETURN(report->discovery,
                   DiscoverStreams(
                       options.capture_path,
                       [&](int64_t done, int64_t total) {
                         if (options.progress) options.progress("scanning", done, total);
                       },
                       MidExtensionIds(options.sdps), decrypt));
  if (scan_counts.dtls_without_key > 0 && report->discovery.streams.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the capture's media is DTLS-SRTP (", scan_counts.dtls_without_key,
        " RTP/RTCP packets on flows that carried a DTLS handshake): give the master secrets of "
        "those handshakes with --key_log FILE (the node writes them where SSLKEYLOGFILE says), or "
        "their SRTP keys with --srtp_key"));
  }
  if (!options.key_log.empty() && scan_counts.decrypted == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no packet of the capture decrypts with the key log's secrets: ", scan_counts.dtls_keyed,
        " DTLS handshakes found in it, ", scan_counts.dtls_not_in_key_log,
        " whose client random is not in the key log (the capture must hold the handshake's hellos)"));
  }
  if (!keys.empty() && scan_counts.decrypted == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no packet of the capture authenticates under the SRTP key", keys.size() > 1 ? "s" : "",
        " given (", scan_counts.not_authenticated,
        " tried): check the key and its suite, or leave the keys out for a plain RTP capture"));
  }
  // Without a session file, streams are found in the capture and the SDPs;
  // with one, the SDPs' payload types come under the session file's own.
  std::optional<SessionFile> session_with_sdp = options.session;
  if (!options.sdps.empty()) {
    ApplySdp(options.sdps, &report->discovery);
    if (session_with_sdp) {
      for (const sdp::SessionDescription& description : options.sdps) {
        for (const auto& [payload_type, format] : description.PayloadTypes()) {
          session_with_sdp->payload_types.emplace(payload_type, format);
        }
      }
    }
  }
  auto planned = PlanStreams(report->discovery, session_with_sdp, &report->notes);
  if (!planned.ok()) {
    if (options.session && !report->discovery.streams.empty()) {
      return absl::NotFoundError(
          absl::StrCat("none of the session file's streams matched a flow in '",
                       options.capture_path, "':\n  ", absl::StrJoin(report->notes, "\n  ")));
    }
    return absl::NotFoundError(NoStreamMessage(options.capture_path, report->discovery));
  }
  report->streams = std::move(*planned);
  return absl::OkStatus();
}

// An events file may name only streams that have packets. Checked before
// the archive starts, so a mistake leaves nothing behind.
absl::Status CheckEvents(const std::vector<StreamEvent>& events, const ReplayReport& report) {
  std::set<std::string> known_ids;
  for (const PlannedStream& stream : report.streams) {
    if (!stream.ssrcs.empty()) known_ids.insert(stream.options.stream_id);
  }
  for (const StreamEvent& event : events) {
    if (!known_ids.count(event.stream_id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the events file names stream '", event.stream_id,
          "', which has no packets in the capture; its streams are: ", absl::StrJoin(known_ids, ", ")));
    }
  }
  return absl::OkStatus();
}

ArchiveOptions ArchiveOptionsFor(const ReplayOptions& options, const ReplayReport& report) {
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
  return archive_options;
}

// The SSRC that routes a packet: an RTP packet's (byte 8) or an RTCP
// compound's sender (byte 4); none for what is neither.
std::optional<uint32_t> RoutingSsrc(absl::Span<const uint8_t> packet) {
  if (!rtp::LooksLikeRtpOrRtcp(packet)) return std::nullopt;
  const size_t at = rtp::LooksLikeRtcp(packet) ? 4 : 8;
  if (packet.size() < at + 4) return std::nullopt;
  return uint32_t{packet[at]} << 24 | uint32_t{packet[at + 1]} << 16 | uint32_t{packet[at + 2]} << 8 |
         packet[at + 3];
}

// Feeds a capture's packets to the archive: each to its planned stream by
// SSRC, with the streams added and removed as the events say (all added at
// the start without events).
class CaptureFeeder {
 public:
  CaptureFeeder(const ReplayOptions& options, Archive* archive, std::vector<StreamEvent> events,
                ReplayReport* report)
      : options_(options), archive_(archive), events_(std::move(events)), report_(report) {
    for (const PlannedStream& stream : report_->streams) {
      if (stream.ssrcs.empty()) continue;
      planned_by_id_[stream.options.stream_id] = &stream;
      for (uint32_t ssrc : stream.ssrcs) stream_of_ssrc_[ssrc] = stream.options.stream_id;
    }
    start_us_ = report_->discovery.first_arrival_us;
    std::stable_sort(events_.begin(), events_.end(), [this](const auto& a, const auto& b) {
      return a.TimeUs(start_us_) < b.TimeUs(start_us_);
    });
  }

  absl::Status Run() {
    if (!options_.events) {
      for (const PlannedStream& stream : report_->streams) {
        if (!stream.ssrcs.empty()) RETURN_IF_ERROR(AddStream(stream.options));
      }
    }
    ASSIGN_OR_RETURN(auto reader, ingest::PcapReader::Open(options_.capture_path, options_.log));
    ASSIGN_OR_RETURN(std::vector<srtp::SrtpKey> keys,
                     CollectSrtpKeys(options_.srtp_keys, options_.sdps));
    ASSIGN_OR_RETURN(DatagramFilter decrypt, MakeSrtpFilter(keys, options_.key_log, &report_->srtp));
    ingest::Datagram datagram;
    int64_t count = 0;
    while (reader->Next(&datagram) == ingest::PcapReader::Result::kDatagram) {
      if (options_.progress && ++count % 4096 == 0) {
        options_.progress("recording", reader->position(), reader->file_size());
      }
      if (decrypt && !decrypt(&datagram)) continue;
      const std::optional<uint32_t> ssrc = RoutingSsrc(datagram.payload);
      if (!ssrc) continue;
      RETURN_IF_ERROR(ApplyEvents(datagram.arrival_time_us));
      if (!Push(*ssrc, datagram)) break;
    }
    if (options_.progress) options_.progress("recording", reader->file_size(), reader->file_size());
    return absl::OkStatus();
  }

 private:
  // Adds a stream; one over the archive's stream limit is noted, not fatal.
  absl::Status AddStream(StreamOptions stream) {
    stream.layer = options_.layer;
    absl::Status status = archive_->AddStream(stream);
    if (status.ok()) {
      added_.insert(stream.stream_id);
      return status;
    }
    if (status.code() != absl::StatusCode::kResourceExhausted) return status;
    report_->notes.push_back(std::string(status.message()));
    return absl::OkStatus();
  }

  // Applies the events due by `now_us`.
  absl::Status ApplyEvents(int64_t now_us) {
    for (; next_event_ < events_.size() && events_[next_event_].TimeUs(start_us_) <= now_us;
         ++next_event_) {
      const StreamEvent& event = events_[next_event_];
      if (event.action == StreamEvent::Action::kRemove) {
        if (added_.erase(event.stream_id)) RETURN_IF_ERROR(archive_->RemoveStream(event.stream_id));
        continue;
      }
      if (added_.count(event.stream_id)) continue;
      StreamOptions stream = planned_by_id_[event.stream_id]->options;
      if (event.has_audio) stream.has_audio = *event.has_audio;
      if (event.has_video) stream.has_video = *event.has_video;
      RETURN_IF_ERROR(AddStream(stream));
    }
    return absl::OkStatus();
  }

  // False once the archive takes no more packets.
  bool Push(uint32_t ssrc, const ingest::Datagram& datagram) {
    auto stream = stream_of_ssrc_.find(ssrc);
    if (stream == stream_of_ssrc_.end()) {
      ++report_->packets_not_routed;
      return true;
    }
    if (!added_.count(stream->second)) {
      ++report_->packets_while_not_added;
      return true;
    }
    absl::Status pushed = archive_->PushPacket(stream->second, datagram.payload, datagram.arrival_time_us);
    if (pushed.ok()) return true;
    // A rule stopped the archive (or writing failed, which Stop reports).
    report_->notes.push_back(absl::StrCat("recording ended at ", datagram.arrival_time_us / 1000,
                                          " ms: ", pushed.message(),
                                          "; the rest of the capture is not in the archive"));
    return false;
  }

  const ReplayOptions& options_;
  Archive* archive_;
  std::vector<StreamEvent> events_;
  ReplayReport* report_;
  int64_t start_us_ = 0;
  size_t next_event_ = 0;
  std::map<uint32_t, std::string> stream_of_ssrc_;
  std::map<std::string, const PlannedStream*> planned_by_id_;
  std::set<std::string> added_;
};

}  // namespace

absl::StatusOr<ReplayReport> Replay(const ReplayOptions& options) {
  ReplayReport report;
  RETURN_IF_ERROR(PlanReplay(options, &report));
  std::vector<StreamEvent> events = options.events.value_or(std::vector<StreamEvent>());
  RETURN_IF_ERROR(CheckEvents(events, report));
  ASSIGN_OR_RETURN(auto archive, Archive::Start(ArchiveOptionsFor(options, report)));
  RETURN_IF_ERROR(CaptureFeeder(options, archive.get(), std::move(events), &report).Run());
  ASSIGN_OR_RETURN(report.archive, archive->Stop());
  return report;
}

}  // namespace rtparchive::replay
