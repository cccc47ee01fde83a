// Fuzz target: a WebRTC publisher's decrypted packets as the node's
// feedback reads them (sequence numbers, RTX original numbers, the
// transport-cc extension, sender reports), with feedback built between
// them. Input: records of [time step ms][length (2 bytes)][packet]. Every
// compound must be whole RTCP and feedback must stay bounded.
#include <cstddef>
#include <cstdint>

#include "node/publisher_feedback.h"
#include "rtp/rtp_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using rtparchive::node::PublisherFeedback;
  rtparchive::node::FeedbackConfig config;
  config.clock_rates = {{96, 90000}, {111, 48000}};
  config.nack_payload_types = {96};
  config.rtx_payload_types = {{97, 96}};
  config.transport_cc_extension = 3;
  PublisherFeedback feedback(config);
  int64_t now_us = 1'000'000;
  size_t offset = 0;
  while (offset + 3 <= size) {
    now_us += int64_t{data[offset]} * 1000;
    const size_t length = std::min<size_t>(size - offset - 3, data[offset + 1] << 8 | data[offset + 2]);
    const absl::Span<const uint8_t> packet(data + offset + 3, length);
    offset += 3 + length;
    rtparchive::rtp::RtpPacketView view;
    if (rtparchive::rtp::LooksLikeRtcp(packet)) {
      feedback.OnRtcp(packet, now_us);
    } else if (view.Parse(packet) == rtparchive::rtp::RtpError::kNone) {
      feedback.OnRtp(view, now_us);
    }
    for (const auto& compound : feedback.Due(now_us)) {
      // Whole packets, each length inside the compound, under a path MTU.
      if (compound.size() > 1400) __builtin_trap();
      for (size_t at = 0; at < compound.size();) {
        if (at + 4 > compound.size()) __builtin_trap();
        at += 4 * ((compound[at + 2] << 8 | compound[at + 3]) + 1);
        if (at > compound.size()) __builtin_trap();
      }
    }
  }
  if (feedback.counters().repaired > feedback.counters().nacked) __builtin_trap();
  return 0;
}
