// RTCP a receiver sends back to a publisher: receiver reports (RFC 3550
// §6.4.2), generic NACKs (RFC 4585 §6.2.1) and transport-wide congestion
// control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1),
// built into one compound that starts with the receiver report, as RFC 3550
// §6.1 has every compound start.
#ifndef RTPARCHIVE_RTP_RTCP_FEEDBACK_H_
#define RTPARCHIVE_RTP_RTCP_FEEDBACK_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace rtparchive::rtp {

struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;          // of the packets expected since the last report, /256
  int32_t cumulative_lost = 0;        // clamped to 24 bits signed
  uint32_t extended_highest_sequence = 0;
  uint32_t jitter = 0;                // in RTP timestamp units
  uint32_t last_sender_report = 0;    // middle 32 bits of its NTP time (0: none yet)
  uint32_t delay_since_sender_report = 0;  // 1/65536 s
};

// Appends a receiver report from `sender_ssrc` with up to 31 `blocks` (the
// rest are left out).
void AppendReceiverReport(uint32_t sender_ssrc, absl::Span<const ReportBlock> blocks,
                          std::vector<uint8_t>* compound);

// Appends generic NACKs asking the sender of `media_ssrc` for `missing`
// (sequence numbers, ascending modulo 2^16): one FCI per run of 17.
void AppendNack(uint32_t sender_ssrc, uint32_t media_ssrc, absl::Span<const uint16_t> missing,
                std::vector<uint8_t>* compound);

// One transport-wide sequence number's fate: arrival time in µs, or -1 when
// it has not arrived.
struct TransportArrival {
  uint16_t sequence = 0;
  int64_t arrival_us = -1;
};

// Appends a transport-cc feedback for `arrivals`, consecutive sequence
// numbers from the first (at most 0xffff; the first must have arrived).
// Each arrival is written in 250 µs steps relative to the one before, the
// first relative to the reference time (64 ms units, 24 bits). Returns how
// many arrivals it covered: it ends early before an arrival whose delta
// does not fit 16 bits signed (over 8 s).
size_t AppendTransportFeedback(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t feedback_count,
                               absl::Span<const TransportArrival> arrivals,
                               std::vector<uint8_t>* compound);

}  // namespace rtparchive::rtp

#endif  // RTPARCHIVE_RTP_RTCP_FEEDBACK_H_
