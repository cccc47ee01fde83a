// The recording node behind `rtparchive serve`: the hosted platforms'
// archive REST API for individual stream archives, over librtparchive.
//
// Publishers' streams are announced per session (stream ID, connection
// data, video type, SDP) and get a UDP port; their RTP/RTCP is timestamped on
// arrival and pushed to every archive of the session that records the
// stream (all of them in streamMode "auto", the ones added with PATCH
// .../streams in "manual"). Video that needs a keyframe gets an RTCP PLI
// back. Status changes go to the registered callback URLs. Archives and
// callbacks are kept in `<storage>/state/`, so a restart lists them again,
// and an archive a crash interrupted is finalised with RecoverArchive.
//
// Endpoints (all need X-TB-PARTNER-AUTH: <apiKey>:<apiSecret>):
//   POST   /v2/project/{apiKey}/archive                      start
//   POST   /v2/project/{apiKey}/archive/{id}/stop            stop
//   GET    /v2/project/{apiKey}/archive[?offset&count&sessionId]
//   GET    /v2/project/{apiKey}/archive/{id}
//   DELETE /v2/project/{apiKey}/archive/{id}
//   PATCH  /v2/project/{apiKey}/archive/{id}/streams         manual mode
//   GET    /v2/project/{apiKey}/archive/{id}/download        the ZIP
//   POST   /v2/project/{apiKey}/callback, GET .../callback, DELETE .../callback/{id}
//   POST   /v2/project/{apiKey}/session/{sessionId}/stream   announce a stream
//   DELETE /v2/project/{apiKey}/session/{sessionId}/stream/{streamId}
#ifndef RTPARCHIVE_NODE_NODE_H_
#define RTPARCHIVE_NODE_NODE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/drop_log.h"
#include "node/node_config.h"

namespace rtparchive::node {

class Node {
 public:
  // Prepares storage, finalises archives an earlier run left unfinished, and
  // binds the API's address. Fails with a message naming what is wrong.
  static absl::StatusOr<std::unique_ptr<Node>> Create(NodeConfig config, LogFunction log);
  ~Node();

  // Serves the API until Shutdown.
  void Serve();
  // Stops and finalises every archive, delivers the callbacks queued, and
  // makes Serve return. Thread-safe.
  void Shutdown();
  int port() const;

 private:
  class Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_NODE_H_
