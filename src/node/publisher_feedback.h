// What the node tells a WebRTC publisher about its media, as an SFU would:
//  - generic NACKs for sequence numbers missing on a media SSRC, sent when
//    the gap is seen and repeated while the recorder's reorder buffer still
//    waits, so the publisher's RTX retransmission arrives in time (a PLI is
//    left to the recorder, when that repair failed);
//  - receiver reports (loss, jitter, LSR/DLSR) once a second;
//  - transport-wide congestion control feedback (arrival time of every
//    packet carrying the transport-cc header extension) every 50 ms, from
//    which the publisher's bandwidth estimate climbs to what the path
//    carries.
// Every structure is bounded: a sender cannot make it grow.
// One thread (the port's receiving thread) calls every method.
#ifndef RTPARCHIVE_NODE_PUBLISHER_FEEDBACK_H_
#define RTPARCHIVE_NODE_PUBLISHER_FEEDBACK_H_

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "absl/types/span.h"
#include "rtp/rtcp_feedback.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::node {

struct FeedbackConfig {
  uint32_t node_ssrc = 1;
  std::map<int, int> clock_rates;      // media payload type -> RTP clock rate
  std::set<int> nack_payload_types;    // media types that negotiated "nack"
  std::map<int, int> rtx_payload_types;  // RTX payload type -> the media type it repairs
  int transport_cc_extension = 0;      // its header extension ID; 0: not negotiated
};

struct FeedbackCounters {
  uint64_t nacked = 0;     // sequence numbers asked for
  uint64_t repaired = 0;   // of those, arrived (by RTX or late)
  uint64_t given_up = 0;   // still missing when the reorder wait ended
  uint64_t compounds = 0;  // RTCP compounds built
};

class PublisherFeedback {
 public:
  static constexpr size_t kMaxSsrcs = 16;
  static constexpr size_t kMaxMissing = 256;        // per SSRC
  static constexpr int64_t kNackIntervalUs = 40'000;  // between requests for one packet
  static constexpr int kNackTries = 4;
  static constexpr size_t kMaxNackedPerCompound = 200;
  static constexpr int64_t kNackWindowUs = 180'000;  // under the recorder's 200 ms reorder wait
  static constexpr int64_t kTransportFeedbackIntervalUs = 50'000;
  static constexpr int64_t kReportIntervalUs = 1'000'000;
  static constexpr size_t kMaxArrivals = 4096;
  static constexpr size_t kMaxStatusPerFeedback = 400;  // keeps a compound under ~1,200 bytes

  explicit PublisherFeedback(FeedbackConfig config) : config_(std::move(config)) {}

  // A decrypted RTP packet; true when it showed a new gap (a NACK is due now).
  bool OnRtp(const rtp::RtpPacketView& packet, int64_t arrival_us);
  // A decrypted RTCP compound (sender reports give LSR/DLSR).
  void OnRtcp(absl::Span<const uint8_t> compound, int64_t arrival_us);
  // RTCP compounds due at `now_us`, each to be protected and sent.
  std::vector<std::vector<uint8_t>> Due(int64_t now_us);

  const FeedbackCounters& counters() const { return counters_; }

 private:
  struct Missing {
    int64_t first_seen_us = 0;
    int64_t last_sent_us = 0;  // 0: not asked for yet
    int tries = 0;
  };
  struct Source {
    int payload_type = -1;
    int clock_rate = 90000;
    int64_t first_sequence = 0;  // extended (unwrapped)
    int64_t highest_sequence = -1;
    int64_t first_arrival_us = 0;
    uint64_t received = 0;
    uint64_t expected_prior = 0, received_prior = 0;  // at the last report
    double jitter = 0;
    int64_t last_transit = 0;
    bool has_transit = false;
    uint32_t last_sender_report = 0;
    int64_t sender_report_arrival_us = 0;
    std::map<int64_t, Missing> missing;  // by extended sequence number
  };

  Source* SourceFor(uint32_t ssrc, int payload_type);
  bool OnMedia(const rtp::RtpPacketView& packet, int64_t arrival_us);
  void OnRetransmission(const rtp::RtpPacketView& packet);
  void NoteTransportSequence(const rtp::RtpPacketView& packet, int64_t arrival_us);
  void AppendNacks(int64_t now_us, std::vector<uint8_t>* compound);
  std::vector<rtp::ReportBlock> ReportBlocks(int64_t now_us);
  void AppendTransportFeedback(std::vector<std::vector<uint8_t>>* out);

  const FeedbackConfig config_;
  std::map<uint32_t, Source> sources_;  // media SSRCs (not RTX), at most kMaxSsrcs
  // Transport-wide sequence numbers (extended) -> arrival; the ones from
  // `next_report_sequence_` on are not reported yet.
  std::map<int64_t, int64_t> arrivals_;
  int64_t highest_transport_sequence_ = -1;
  int64_t next_report_sequence_ = -1;
  uint8_t feedback_count_ = 0;
  int64_t last_transport_feedback_us_ = 0;
  int64_t last_report_us_ = 0;
  FeedbackCounters counters_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_PUBLISHER_FEEDBACK_H_
