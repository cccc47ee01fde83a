// What GET /metrics answers, in the Prometheus text format (version 0.0.4):
// media packets received, delivered and refused by reason, archives by
// status, API requests by route and code (and those the HTTP server refused
// itself), open API connections, upload results. Labels are bounded: routes
// are the route table's patterns ("unmatched" for any other path).
#ifndef RTPARCHIVE_NODE_METRICS_H_
#define RTPARCHIVE_NODE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "node/source_gate.h"

namespace rtparchive::node {

// Counts kept by the node between scrapes. Thread-safe.
class NodeMetrics {
 public:
  void CountRequest(const std::string& route, int status);
  // "uploaded", "kept_on_node" (failed, fallback on) or "failed".
  void CountUpload(const std::string& result);

  // Everything read at scrape time from the node's parts.
  struct Gauges {
    const MediaCounters* media = nullptr;
    std::map<std::string, int> archives_by_status;
    std::map<int, uint64_t> http_refusals;  // by status
    size_t open_connections = 0;
    size_t announced_streams = 0;
  };
  std::string Render(const Gauges& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, code)
  std::map<std::string, uint64_t> uploads_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_METRICS_H_
