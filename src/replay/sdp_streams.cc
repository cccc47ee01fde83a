#include "replay/sdp_streams.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rtparchive::replay {
namespace {

bool Has(const std::vector<uint32_t>& ssrcs, uint32_t ssrc) {
  return std::find(ssrcs.begin(), ssrcs.end(), ssrc) != ssrcs.end();
}

// The publisher a section belongs to: its MediaStream ID when it names one,
// else the track IDs of every section of its description.
std::string StreamKey(const sdp::SessionDescription& description, const sdp::SdpMediaSection& section) {
  if (!section.msid_stream.empty() && section.msid_stream != "-") {
    return absl::StrCat("msid:", section.msid_stream);
  }
  std::vector<std::string> tracks;
  for (const sdp::SdpMediaSection& other : description.media) {
    if (!other.msid_track.empty()) tracks.push_back(other.msid_track);
  }
  if (tracks.empty()) return "";
  std::sort(tracks.begin(), tracks.end());
  return absl::StrCat("msid:", absl::StrJoin(tracks, ","));
}

struct Match {
  const sdp::SessionDescription* description = nullptr;
  const sdp::SdpMediaSection* section = nullptr;
};

Match FindSection(const std::vector<sdp::SessionDescription>& descriptions, const DiscoveredTrack& track) {
  for (const sdp::SessionDescription& description : descriptions) {
    for (const sdp::SdpMediaSection& section : description.media) {
      if (Has(section.ssrcs, track.ssrc)) return {&description, &section};
    }
  }
  if (track.mid.empty()) return {};
  for (const sdp::SessionDescription& description : descriptions) {
    for (const sdp::SdpMediaSection& section : description.media) {
      // A section that lists its SSRCs does not describe other ones: those
      // belong to another connection with the same mids.
      if (section.mid == track.mid && section.ssrcs.empty()) return {&description, &section};
    }
  }
  return {};
}

}  // namespace

std::set<int> MidExtensionIds(const std::vector<sdp::SessionDescription>& descriptions) {
  std::set<int> ids;
  for (const sdp::SessionDescription& description : descriptions) {
    for (const sdp::SdpMediaSection& section : description.media) {
      for (const auto& [id, uri] : section.header_extensions) {
        if (uri == kMidExtension) ids.insert(id);
      }
    }
  }
  return ids;
}

void ApplySdp(const std::vector<sdp::SessionDescription>& descriptions, Discovery* discovery) {
  // For SSRCs no section describes, the descriptions still say what each
  // payload type is.
  std::map<int, PayloadTypeInfo> all_payload_types;
  for (const sdp::SessionDescription& description : descriptions) {
    for (const auto& [payload_type, format] : description.PayloadTypes()) {
      all_payload_types[payload_type] = format;
    }
  }
  for (DiscoveredTrack& track : discovery->tracks) {
    const Match match = FindSection(descriptions, track);
    const std::map<int, PayloadTypeInfo>& described =
        match.section ? match.section->payload_types : all_payload_types;
    // The description's payload types win over what the payloads suggested
    // (an RTX packet can look like media), except that the media found
    // inside RED is more precise than the description's "RED".
    const std::map<int, PayloadTypeInfo> discovered = std::move(track.payload_types);
    track.payload_types = described;
    auto wire = described.find(track.payload_type);
    const bool media_in_red = wire != described.end() &&
                              wire->second.format == PayloadFormat::kRed && track.format &&
                              track.format->format != PayloadFormat::kRed;
    if (wire == described.end() || media_in_red) {
      track.payload_types.insert(discovered.begin(), discovered.end());
    } else {
      track.format = wire->second;
    }
    if (!track.format) {
      track.why_not_recognised = absl::StrCat("payload type ", track.payload_type,
                                              " is not one the SDP maps to a recorded codec");
    }
    if (match.section == nullptr) continue;
    const sdp::SdpMediaSection& section = *match.section;
    track.stream_key = StreamKey(*match.description, section);
    track.rtx_ssrcs = section.rtx_ssrcs;
    track.simulcast_ssrcs = section.simulcast_ssrcs;
    track.header_extensions = section.header_extensions;
    if (track.cname.empty()) track.cname = section.cname;
  }
  discovery->streams = GroupTracks(discovery->tracks);
}

}  // namespace rtparchive::replay
