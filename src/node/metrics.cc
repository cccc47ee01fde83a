#include "node/metrics.h"

#include "absl/strings/str_cat.h"

namespace rtparchive::node {
namespace {

// A label value with \, " and newline escaped as the text format wants.
std::string Escaped(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\n') {
      escaped += "\\n";
    } else {
      if (c == '\\' || c == '"') escaped += '\\';
      escaped += c;
    }
  }
  return escaped;
}

void Family(std::string* out, const char* name, const char* type, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

}  // namespace

void NodeMetrics::CountRequest(const std::string& route, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
}

void NodeMetrics::CountUpload(const std::string& result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++uploads_[result];
}

std::string NodeMetrics::Render(const Gauges& gauges) const {
  std::string out;
  const MediaCounters& media = *gauges.media;
  Family(&out, "rtparchive_media_packets_received_total", "counter",
         "Datagrams read on the media ports.");
  absl::StrAppend(&out, "rtparchive_media_packets_received_total ", media.received.load(), "\n");
  Family(&out, "rtparchive_media_packets_delivered_total", "counter",
         "Packets from validated sources passed to archives.");
  absl::StrAppend(&out, "rtparchive_media_packets_delivered_total ", media.delivered.load(), "\n");
  Family(&out, "rtparchive_media_packets_refused_total", "counter",
         "Packets refused at the media ports, by reason.");
  for (int i = 0; i < kRefusalCount; ++i) {
    absl::StrAppend(&out, "rtparchive_media_packets_refused_total{reason=\"",
                    ToString(static_cast<Refusal>(i)), "\"} ", media.refused[i].load(), "\n");
  }
  Family(&out, "rtparchive_media_source_moves_total", "counter",
         "Times a media port followed its publisher to a new address.");
  absl::StrAppend(&out, "rtparchive_media_source_moves_total ", media.source_moves.load(), "\n");
  Family(&out, "rtparchive_media_repair_total", "counter",
         "WebRTC publishers' missing packets: asked for by NACK, then arrived, or given up.");
  absl::StrAppend(&out, "rtparchive_media_repair_total{result=\"nacked\"} ", media.nacked.load(), "\n",
                  "rtparchive_media_repair_total{result=\"repaired\"} ", media.repaired.load(), "\n",
                  "rtparchive_media_repair_total{result=\"given_up\"} ", media.given_up.load(), "\n");
  Family(&out, "rtparchive_streams_announced", "gauge", "Publishers' streams announced now.");
  absl::StrAppend(&out, "rtparchive_streams_announced ", gauges.announced_streams, "\n");
  Family(&out, "rtparchive_archives", "gauge", "Archives the node knows, by status.");
  for (const auto& [status, count] : gauges.archives_by_status) {
    absl::StrAppend(&out, "rtparchive_archives{status=\"", Escaped(status), "\"} ", count, "\n");
  }
  Family(&out, "rtparchive_api_open_connections", "gauge", "Open connections to the API.");
  absl::StrAppend(&out, "rtparchive_api_open_connections ", gauges.open_connections, "\n");
  Family(&out, "rtparchive_api_refused_total", "counter",
         "Requests the HTTP server answered itself (408, 411, 413, 431, 503, ...), by code.");
  for (const auto& [code, count] : gauges.http_refusals) {
    absl::StrAppend(&out, "rtparchive_api_refused_total{code=\"", code, "\"} ", count, "\n");
  }
  std::lock_guard<std::mutex> lock(mu_);
  Family(&out, "rtparchive_api_requests_total", "counter", "API requests answered, by route and code.");
  for (const auto& [key, count] : requests_) {
    absl::StrAppend(&out, "rtparchive_api_requests_total{route=\"", Escaped(key.first),
                    "\",code=\"", key.second, "\"} ", count, "\n");
  }
  Family(&out, "rtparchive_uploads_total", "counter",
         "Finished uploads to customers' storage, by result.");
  for (const auto& [result, count] : uploads_) {
    absl::StrAppend(&out, "rtparchive_uploads_total{result=\"", Escaped(result), "\"} ", count, "\n");
  }
  return out;
}

}  // namespace rtparchive::node
