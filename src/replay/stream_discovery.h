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
  std::optional<PayloadTypeInfo> format;  // nullopt: not recognised
  std::string why_not_recognised;
};

struct DiscoveredStream {
  std::string key;                      // "cname:<cname>" or "flow:<addresses>"
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

// Reads the whole capture. Fails only when it cannot be read at all.
absl::StatusOr<Discovery> DiscoverStreams(const std::string& capture_path,
                                          const ProgressFunction& progress = nullptr);

// Groups recognised tracks into streams (by CNAME, else by flow). Exposed
// for the session matcher and tests.
std::vector<DiscoveredStream> GroupTracks(const std::vector<DiscoveredTrack>& tracks);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_STREAM_DISCOVERY_H_
