// First pass over a capture: finds the RTP flows (one per SSRC), recognises
// VP8, H.264 and Opus in them from the payloads themselves, learns RTCP CNAMEs, and
// groups the tracks of one publisher into a stream: by CNAME when RTCP names
// it, else by the flow's addresses. Stream IDs are derived from what
// identifies the stream, so the same capture always gives the same IDs.
#ifndef RTPARCHIVE_REPLAY_STREAM_DISCOVERY_H_
#define RTPARCHIVE_REPLAY_STREAM_DISCOVERY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/datagram.h"
#include "rtparchive/archive.h"

namespace rtparchive::replay {

// Reports progress as (bytes read, file size).
using ProgressFunction = std::function<void(int64_t done, int64_t total)>;

struct DiscoveredTrack {
  uint32_t ssrc = 0;
  int payload_type = 0;
  ingest::FiveTuple flow;
  int64_t packets = 0;
  int64_t first_arrival_us = 0;
  std::string cname;                      // empty when RTCP did not name it
  std::string mid;                        // from the mid header extension, when asked for
  // What the track carries: its media's format (VP8, H.264, Opus; also
  // when wrapped in RED), or RTX/ULPFEC; nullopt: not recognised.
  std::optional<PayloadTypeInfo> format;
  std::string why_not_recognised;
  // Every payload type its stream must map to record it (the wire's, and
  // RED's media type inside).
  std::map<int, PayloadTypeInfo> payload_types;
  // Set from an SDP: the publisher's key ("msid:..."), RTX pairs and
  // header extension IDs.
  std::string stream_key;
  std::map<uint32_t, uint32_t> rtx_ssrcs;
  std::vector<uint32_t> simulcast_ssrcs;  // the SDP's SIM group for its section
  std::map<int, std::string> header_extensions;
};

struct DiscoveredStream {
  std::string key;                      // an SDP's "msid:...", "cname:<cname>" or "flow:<addresses>"
  std::string stream_id;                // derived from key
  std::vector<DiscoveredTrack> tracks;  // recognised ones only
  int64_t first_arrival_us = 0;
};

struct Discovery {
  std::vector<DiscoveredTrack> tracks;    // every RTP flow, recognised or not
  std::vector<DiscoveredStream> streams;  // by first arrival
  int64_t frames = 0;                     // capture records
  int64_t datagrams = 0;                  // UDP datagrams
  int64_t rtp_packets = 0;
  int64_t rtcp_packets = 0;
  int64_t not_rtp = 0;                           // UDP payloads that are neither RTP nor RTCP
  std::map<std::string, int64_t> capture_drops;  // frames the reader could not use
  int64_t first_arrival_us = 0;
  std::string truncation;  // non-empty when the capture ends mid-record
  std::map<uint32_t, std::string> cnames;
};

// Reads the whole capture. Fails only when it cannot be read at all. With
// `mid_extension_ids` (from an SDP's a=extmap), each SSRC's mid is read
// from its packets.
// `filter` (when set) may rewrite or drop each datagram first (decryption).
absl::StatusOr<Discovery> DiscoverStreams(const std::string& capture_path,
                                          const ProgressFunction& progress = nullptr,
                                          const std::set<int>& mid_extension_ids = {},
                                          const std::function<bool(ingest::Datagram*)>& filter = nullptr);

// Groups recognised tracks into streams (by the SDP's stream key, else by
// CNAME, else by flow). Exposed for the session matcher and tests.
std::vector<DiscoveredStream> GroupTracks(const std::vector<DiscoveredTrack>& tracks);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_STREAM_DISCOVERY_H_
