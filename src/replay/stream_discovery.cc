#include "replay/stream_discovery.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/stable_id.h"
#include "base/status_macros.h"
#include "base/wrap_around.h"
#include "codec/h264_bitstream.h"
#include "codec/h264_depacketizer.h"
#include "codec/vp8_depacketizer.h"
#include "ingest/pcap_reader.h"
#include "rtp/header_extensions.h"
#include "rtp/rtcp_packet.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::replay {
namespace {

// What one SSRC's packets show while the capture is read.
struct FlowEvidence {
  DiscoveredTrack track;
  TimestampUnwrapper timestamps;
  int64_t first_rtp = 0, last_rtp = 0;
  int64_t last_arrival_us = 0;
  bool vp8_keyframe = false;
  bool h264_sps = false;
  // A keyframe or SPS found inside a one-block RED payload (WebRTC's video
  // wrapping), with the block's payload type.
  std::optional<std::pair<int, PayloadFormat>> red_media;
  int64_t payload_bytes = 0;
  // The last packets' payload starts, by sequence number, so a later RTX
  // packet (RFC 4588: original sequence number, then the original payload)
  // can be matched to the packet it resends.
  struct Sent {
    uint16_t sequence = 0;
    uint8_t payload_type = 0;
    uint64_t payload_start = 0;
    bool set = false;
  };
  std::vector<Sent> recent;  // kRecentPackets entries once the flow sent a payload
  // RTX: the media SSRC it resent packets of, and per RTX payload type the
  // media payload type it carried.
  std::optional<uint32_t> retransmits;
  const std::vector<uint32_t>* same_flow = nullptr;  // the SSRCs of its 5-tuple
  std::map<int, int> rtx_payload_types;
};

// WebRTC resends within a few hundred ms: this many packets back (1 KiB a flow).
constexpr size_t kRecentPackets = 64;
// SSRCs of one 5-tuple looked at for an RTX flow's media (a publisher has a few).
constexpr size_t kMaxFlowsCompared = 16;

// The first 8 bytes of a payload, as one number; nullopt when shorter.
std::optional<uint64_t> PayloadStart(absl::Span<const uint8_t> payload) {
  if (payload.size() < 8) return std::nullopt;
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | payload[i];
  return value;
}

// Whether `payload` (of `evidence`'s SSRC) resends a recent packet of another
// flow: an RTX stream without an SDP to say so. Records what it finds.
void MatchRetransmission(const std::map<uint32_t, FlowEvidence>& flows,
                         const std::vector<uint32_t>& same_flow, uint8_t payload_type,
                         absl::Span<const uint8_t> payload, FlowEvidence& evidence) {
  if (payload.size() < 2 + 8) return;
  const uint16_t original = static_cast<uint16_t>(payload[0] << 8 | payload[1]);
  const uint64_t start = *PayloadStart(payload.subspan(2));
  for (size_t i = 0; i < same_flow.size() && i < kMaxFlowsCompared; ++i) {
    const uint32_t ssrc = same_flow[i];
    const FlowEvidence& media = flows.at(ssrc);
    if (&media == &evidence || media.retransmits || media.recent.empty()) continue;
    const FlowEvidence::Sent& sent = media.recent[original % media.recent.size()];
    if (sent.set && sent.sequence == original && sent.payload_start == start) {
      evidence.retransmits = ssrc;
      evidence.rtx_payload_types[payload_type] = sent.payload_type;
      return;
    }
  }
}

// A VP8 keyframe's first packet is unmistakable: descriptor with S=1 and
// partition 0, then a frame tag with the keyframe bit clear and the start
// code 9d 01 2a (RFC 7741 §4.3, RFC 6386 §9.1).
bool IsVp8KeyframeStart(absl::Span<const uint8_t> payload) {
  codec::Vp8Depacketizer vp8;
  codec::PayloadInfo info;
  if (vp8.Parse(payload, false, &info) != codec::PayloadError::kNone) return false;
  return info.starts_frame && info.keyframe && vp8.KeyframeSize(info.data).has_value();
}

// An H.264 stream sends a sequence parameter set that parses, alone or in
// a STAP-A (RFC 6184 §5.6, §5.7.1).
bool HasH264Sps(absl::Span<const uint8_t> payload) {
  codec::PayloadInfo info;
  if (codec::H264Depacketizer().Parse(payload, false, &info) != codec::PayloadError::kNone) {
    return false;
  }
  for (const codec::NalPiece& piece : info.nal_pieces) {
    if (piece.starts_nal && !piece.header && codec::ParseH264Sps(piece.bytes)) return true;
  }
  return false;
}

// WebRTC wraps VP8 in RED with only a primary block: one header byte (F=0,
// the media's payload type), then the VP8 payload. (It sends H.264 bare; an
// SPS test on bytes after a guessed RED header would fire on random audio.)
std::optional<std::pair<int, PayloadFormat>> RedWrappedVideo(absl::Span<const uint8_t> payload) {
  if (payload.size() < 2 || payload[0] & 0x80) return std::nullopt;
  const int payload_type = payload[0];
  if (IsVp8KeyframeStart(payload.subspan(1))) return std::pair(payload_type, PayloadFormat::kVp8);
  return std::nullopt;
}

void Recognise(FlowEvidence& evidence) {
  DiscoveredTrack& track = evidence.track;
  if (evidence.vp8_keyframe) {
    track.format = PayloadTypeInfo{PayloadFormat::kVp8, 90000};
    return;
  }
  if (evidence.h264_sps) {
    track.format = PayloadTypeInfo{PayloadFormat::kH264, 90000};
    return;
  }
  if (evidence.red_media) {
    track.format = PayloadTypeInfo{evidence.red_media->second, 90000};
    track.payload_types[evidence.red_media->first] = *track.format;
    track.payload_types[track.payload_type] = PayloadTypeInfo{PayloadFormat::kRed, 90000};
    return;
  }
  const double seconds = (evidence.last_arrival_us - track.first_arrival_us) / 1e6;
  if (seconds < 0.5 || track.packets < 10) {
    track.why_not_recognised = "too few packets to tell its codec";
    return;
  }
  const double clock_rate = (evidence.last_rtp - evidence.first_rtp) / seconds;
  const double average_payload = static_cast<double>(evidence.payload_bytes) / track.packets;
  // Opus runs a 48 kHz RTP clock (RFC 7587 §4.1) with small packets.
  if (clock_rate > 40000 && clock_rate < 56000 && average_payload < 1500) {
    track.format = PayloadTypeInfo{PayloadFormat::kOpus, 48000};
    return;
  }
  track.why_not_recognised = absl::StrFormat(
      "RTP clock ~%.0f Hz and no VP8 keyframe or H.264 SPS: not VP8, H.264 or Opus (map its "
      "payload type in a session file if it is)",
      clock_rate);
}

}  // namespace

std::vector<DiscoveredStream> GroupTracks(const std::vector<DiscoveredTrack>& tracks) {
  // A track with no CNAME of its own (Chromium names only some SSRCs of a
  // bundled connection in its RTCP) is the publisher's whose CNAME its
  // 5-tuple carries, when that is one publisher's alone.
  std::map<std::string, std::set<std::string>> cnames_by_flow;
  for (const DiscoveredTrack& track : tracks) {
    if (track.format && !track.cname.empty()) cnames_by_flow[track.flow.ToString()].insert(track.cname);
  }
  auto cname_of = [&](const DiscoveredTrack& track) -> std::string {
    if (!track.cname.empty()) return track.cname;
    auto shared = cnames_by_flow.find(track.flow.ToString());
    return shared != cnames_by_flow.end() && shared->second.size() == 1 ? *shared->second.begin()
                                                                         : std::string();
  };
  std::map<std::string, DiscoveredStream> by_key;
  for (const DiscoveredTrack& track : tracks) {
    if (!track.format) continue;
    const std::string cname = cname_of(track);
    const std::string key = !track.stream_key.empty() ? track.stream_key
                            : cname.empty()           ? absl::StrCat("flow:", track.flow.ToString())
                                                      : absl::StrCat("cname:", cname);
    DiscoveredStream& stream = by_key[key];
    if (stream.tracks.empty()) {
      stream.key = key;
      stream.stream_id = StableUuid(key);
      stream.first_arrival_us = track.first_arrival_us;
    }
    stream.first_arrival_us = std::min(stream.first_arrival_us, track.first_arrival_us);
    stream.tracks.push_back(track);
  }
  std::vector<DiscoveredStream> streams;
  for (auto& [key, stream] : by_key) streams.push_back(std::move(stream));
  std::stable_sort(streams.begin(), streams.end(), [](const auto& a, const auto& b) {
    return a.first_arrival_us < b.first_arrival_us;
  });
  return streams;
}

namespace {

// The evidence about each SSRC gathered while a capture is read, and the
// tracks it makes in the end.
class FlowScan {
 public:
  explicit FlowScan(const std::set<int>& mid_extension_ids) : mid_extension_ids_(mid_extension_ids) {}

  void Add(const rtp::RtpPacketView& view, const ingest::Datagram& datagram) {
    FlowEvidence& evidence = EvidenceFor(view, datagram);
    ++evidence.track.packets;
    evidence.last_rtp = evidence.timestamps.Unwrap(view.timestamp());
    if (auto start = PayloadStart(view.payload())) {
      if (evidence.recent.empty()) evidence.recent.resize(kRecentPackets);
      evidence.recent[view.sequence_number() % kRecentPackets] = {
          view.sequence_number(), view.payload_type(), *start, true};
    }
    if (evidence.same_flow->size() > 1 && !evidence.rtx_payload_types.count(view.payload_type())) {
      MatchRetransmission(flows_, *evidence.same_flow, view.payload_type(), view.payload(), evidence);
    }
    evidence.last_arrival_us = datagram.arrival_time_us;
    evidence.payload_bytes += static_cast<int64_t>(view.payload().size());
    if (!evidence.vp8_keyframe && !evidence.h264_sps && !evidence.red_media) {
      // A payload cannot be both: a VP8 descriptor with S=1 and PID=0 is a
      // byte 0x10 or 0x90, H.264 types 16 and 16+F, which carry no SPS.
      evidence.vp8_keyframe = IsVp8KeyframeStart(view.payload());
      evidence.h264_sps = HasH264Sps(view.payload());
      if (!evidence.vp8_keyframe && !evidence.h264_sps) {
        evidence.red_media = RedWrappedVideo(view.payload());
      }
    }
    for (int id : mid_extension_ids_) {
      if (!evidence.track.mid.empty()) break;
      const std::optional<std::string> mid =
          rtp::ParseMid(view.FindExtension(static_cast<uint8_t>(id)));
      if (mid) evidence.track.mid = *mid;
    }
  }

  // Every SSRC's track in order of first arrival: its format recognised,
  // its CNAME, and RTX flows (found by their payloads) joined to their
  // media's stream, whatever their own payloads looked like.
  std::vector<DiscoveredTrack> Tracks(const std::map<uint32_t, std::string>& cnames) {
    for (uint32_t ssrc : flow_order_) {
      FlowEvidence& evidence = flows_[ssrc];
      Recognise(evidence);
      if (evidence.track.format && evidence.track.payload_types.empty()) {
        evidence.track.payload_types[evidence.track.payload_type] = *evidence.track.format;
      }
      auto cname = cnames.find(ssrc);
      if (cname != cnames.end()) evidence.track.cname = cname->second;
    }
    for (uint32_t ssrc : flow_order_) {
      FlowEvidence& evidence = flows_[ssrc];
      if (!evidence.retransmits) continue;
      const DiscoveredTrack& media = flows_[*evidence.retransmits].track;
      if (!media.format) continue;
      DiscoveredTrack& track = evidence.track;
      PayloadTypeInfo rtx(PayloadFormat::kRtx, media.format->clock_rate_hz);
      track.payload_types.clear();
      for (const auto& [rtx_type, media_type] : evidence.rtx_payload_types) {
        rtx.associated_payload_type = media_type;
        track.payload_types[rtx_type] = rtx;
      }
      track.format = track.payload_types.begin()->second;
      track.why_not_recognised.clear();
      track.cname = media.cname;
      track.rtx_ssrcs[ssrc] = media.ssrc;
    }
    std::vector<DiscoveredTrack> tracks;
    for (uint32_t ssrc : flow_order_) tracks.push_back(flows_[ssrc].track);
    return tracks;
  }

 private:
  // Packets come in runs of one SSRC: the last one's evidence is kept at hand.
  FlowEvidence& EvidenceFor(const rtp::RtpPacketView& view, const ingest::Datagram& datagram) {
    if (last_evidence_ != nullptr && last_ssrc_ == view.ssrc()) return *last_evidence_;
    auto [it, inserted] = flows_.try_emplace(view.ssrc());
    last_evidence_ = &it->second;
    last_ssrc_ = view.ssrc();
    if (inserted) {
      FlowEvidence& added = it->second;
      flow_order_.push_back(view.ssrc());
      added.track.ssrc = view.ssrc();
      added.track.payload_type = view.payload_type();
      added.track.flow = datagram.flow;
      added.track.first_arrival_us = datagram.arrival_time_us;
      std::vector<uint32_t>& same_flow = ssrcs_by_flow_[datagram.flow.ToString()];
      same_flow.push_back(view.ssrc());
      added.same_flow = &same_flow;
      added.first_rtp = added.timestamps.Unwrap(view.timestamp());
    }
    return it->second;
  }

  const std::set<int>& mid_extension_ids_;
  std::map<uint32_t, FlowEvidence> flows_;
  std::vector<uint32_t> flow_order_;
  std::map<std::string, std::vector<uint32_t>> ssrcs_by_flow_;  // nodes stay put: evidence points in
  FlowEvidence* last_evidence_ = nullptr;
  uint32_t last_ssrc_ = 0;
};

// Counts an RTCP compound and keeps its CNAMEs; false when it is no RTCP.
bool NoteRtcp(absl::Span<const uint8_t> packet, Discovery* discovery) {
  rtp::RtcpCompound compound;
  if (rtp::ParseRtcpCompound(packet, &compound) != rtp::RtcpError::kNone &&
      compound.sender_reports.empty() && compound.cnames.empty()) {
    return false;
  }
  ++discovery->rtcp_packets;
  for (const rtp::SourceName& name : compound.cnames) discovery->cnames[name.ssrc] = name.cname;
  return true;
}

}  // namespace

absl::StatusOr<Discovery> DiscoverStreams(const std::string& capture_path,
                                          const ProgressFunction& progress,
                                          const std::set<int>& mid_extension_ids,
                                          const std::function<bool(ingest::Datagram*)>& filter) {
  ASSIGN_OR_RETURN(auto reader, ingest::PcapReader::Open(capture_path));
  Discovery discovery;
  FlowScan scan(mid_extension_ids);
  ingest::Datagram datagram;
  ingest::PcapReader::Result result;
  int64_t count = 0;
  while ((result = reader->Next(&datagram)) == ingest::PcapReader::Result::kDatagram) {
    if (progress && ++count % 4096 == 0) progress(reader->position(), reader->file_size());
    if (discovery.datagrams++ == 0) discovery.first_arrival_us = datagram.arrival_time_us;
    if (filter && !filter(&datagram)) continue;
    rtp::RtpPacketView view;
    if (!rtp::LooksLikeRtpOrRtcp(datagram.payload)) {
      ++discovery.not_rtp;
    } else if (rtp::LooksLikeRtcp(datagram.payload)) {
      if (!NoteRtcp(datagram.payload, &discovery)) ++discovery.not_rtp;
    } else if (view.Parse(datagram.payload) != rtp::RtpError::kNone) {
      ++discovery.not_rtp;
    } else {
      ++discovery.rtp_packets;
      scan.Add(view, datagram);
    }
  }
  if (progress) progress(reader->position(), reader->file_size());
  if (result == ingest::PcapReader::Result::kTruncated) {
    discovery.truncation = reader->truncation_message();
  }
  discovery.frames = reader->frames_read();
  discovery.capture_drops = reader->drops().counts();
  discovery.tracks = scan.Tracks(discovery.cnames);
  discovery.streams = GroupTracks(discovery.tracks);
  return discovery;
}

}  // namespace rtparchive::replay
