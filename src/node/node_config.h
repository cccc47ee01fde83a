// The recording node's configuration file (`rtparchive serve --config FILE`),
// JSON:
//
//   {
//     "listen": "127.0.0.1:8080",            // the REST API; loopback unless set
//     "mediaAddress": "127.0.0.1",           // where publishers send RTP/RTCP
//     "mediaPorts": [40000, 40999],          // one UDP port per announced stream
//     "storage": "/var/lib/rtparchive",      // archives, their working folders, state
//     "credentials": [{"apiKey": 123456, "apiSecret": "s3cret"}],
//     "limits": {"maxStreams": 50, "maxRecordedSeconds": 14400,
//                "maxTotalSeconds": 43200, "maxPausedSeconds": 3600},
//     "storageTargets": {"123456": {"type": "s3", ...}},  // see storage_target.h
//     "upload": {"attempts": 12, "firstDelayMs": 1000, "maxDelayMs": 120000, "threads": 2}
//   }
//
// Every field but "storage" and "credentials" has the default shown.
#ifndef RTPARCHIVE_NODE_NODE_CONFIG_H_
#define RTPARCHIVE_NODE_NODE_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "node/storage_target.h"
#include "rtparchive/archive.h"
#include "storage/store_answer.h"

namespace rtparchive::node {

struct NodeConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  std::string media_address = "127.0.0.1";
  int media_port_min = 40000;
  int media_port_max = 40999;
  std::string storage;
  std::map<int64_t, std::string> secrets;  // API key -> secret
  ArchiveLimits limits;
  // The seeds' session rules: an archive stops when no stream was published
  // this long after its start, or this long after the session's last
  // publisher left ("limits": noStreamSeconds, sessionEndedSeconds).
  int64_t no_stream_stop_us = 60'000'000;
  int64_t session_ended_stop_us = 60'000'000;
  // Where each API key's archives are uploaded ("storageTargets"); the
  // archive API can set them too.
  std::map<int64_t, StorageTarget> storage_targets;
  // "upload": {"attempts", "firstDelayMs", "maxDelayMs", "threads"}: a store
  // that is down is tried again for about ten minutes by default.
  storage::RetryPolicy upload_retry{12, 1000, 120'000};
  int upload_threads = 2;
  // Where the master secrets of WHIP publishers' DTLS handshakes are
  // appended (NSS key log format), so that a capture of their media can be
  // replayed (`replay --key_log`); empty: none. `serve` takes it from the
  // SSLKEYLOGFILE environment variable, as browsers and curl do.
  std::string dtls_key_log;
};

// InvalidArgument naming the field that is missing or wrong.
absl::StatusOr<NodeConfig> ParseNodeConfig(absl::string_view json);
absl::StatusOr<NodeConfig> ReadNodeConfig(const std::string& path);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_NODE_CONFIG_H_
