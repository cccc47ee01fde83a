// Turns a packet capture into an individual stream archive: discovers the
// streams (or takes them from a session file), then feeds every packet to
// an Archive in capture order, exactly as a live recording node would.
#ifndef RTPARCHIVE_REPLAY_REPLAY_H_
#define RTPARCHIVE_REPLAY_REPLAY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "replay/events_file.h"
#include "sdp/sdp_file.h"
#include "replay/session_file.h"
#include "replay/srtp_filter.h"
#include "webrtc/dtls_key_log.h"
#include "replay/stream_discovery.h"
#include "rtparchive/archive.h"

namespace rtparchive::replay {

struct ReplayOptions {
  std::string capture_path;
  std::string output_path;
  std::optional<SessionFile> session;
  // The publishers' SDPs (one per negotiation): payload types, and the
  // streams and tracks they describe. A session file's payloadTypes win.
  std::vector<sdp::SessionDescription> sdps;
  // SRTP keys (besides the SDPs' a=crypto lines): the capture's SRTP and
  // SRTCP are decrypted with whichever authenticates each packet.
  std::vector<srtp::SrtpKey> srtp_keys;
  // Master secrets of a key log (SSLKEYLOGFILE): the keys of the capture's
  // DTLS-SRTP handshakes are derived from them as they are read.
  webrtc::MasterSecrets key_log;
  // Manual stream mode: streams are recorded only between their add and
  // remove events. Without events every stream is recorded throughout.
  std::optional<std::vector<StreamEvent>> events;
  bool wait_for_keyframe_after_loss = true;
  int64_t reorder_max_wait_us = 200'000;
  // Simulcast: which layer each stream writes (StreamOptions::layer).
  std::string layer = "high";
  // (phase, bytes done, bytes total); phases "scanning" then "recording".
  std::function<void(const char* phase, int64_t done, int64_t total)> progress;
  std::function<void(absl::string_view line)> log;
};

struct PlannedStream {
  StreamOptions options;
  std::set<uint32_t> ssrcs;
  std::string found_by;  // how its packets were found, for the summary
};

struct ReplayReport {
  Discovery discovery;
  std::vector<PlannedStream> streams;
  std::vector<std::string> notes;  // streams not found, flows left out
  ArchiveResult archive;
  int64_t packets_not_routed = 0;       // RTP/RTCP of flows no stream takes
  int64_t packets_while_not_added = 0;  // manual mode: outside add..remove
  SrtpCounts srtp;                      // of the recording pass, with keys
};

// Fails when the capture cannot be read, holds no recordable stream, or the
// archive cannot be written; the message says what to do. A capture that
// ends mid-record still gives an archive; report.discovery.truncation says so.
absl::StatusOr<ReplayReport> Replay(const ReplayOptions& options);

// Which streams to record and which SSRCs belong to each (exposed for tests).
absl::StatusOr<std::vector<PlannedStream>> PlanStreams(const Discovery& discovery,
                                                       const std::optional<SessionFile>& session,
                                                       std::vector<std::string>* notes);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_REPLAY_H_
