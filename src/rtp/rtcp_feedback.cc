#include "rtp/rtcp_feedback.h"

#include <algorithm>

namespace rtparchive::rtp {
namespace {

constexpr uint8_t kReceiverReport = 201;
constexpr uint8_t kTransportFeedback = 205;  // RTPFB
constexpr uint8_t kGenericNackFormat = 1;
constexpr uint8_t kTransportCcFormat = 15;

void Put16(uint32_t value, std::vector<uint8_t>* out) {
  out->push_back(static_cast<uint8_t>(value >> 8));
  out->push_back(static_cast<uint8_t>(value));
}

void Put32(uint32_t value, std::vector<uint8_t>* out) {
  Put16(value >> 16, out);
  Put16(value & 0xffff, out);
}

// A header whose length is filled in by FinishPacket.
size_t StartPacket(uint8_t count_or_format, uint8_t type, std::vector<uint8_t>* out) {
  const size_t start = out->size();
  out->insert(out->end(), {static_cast<uint8_t>(0x80 | count_or_format), type, 0, 0});
  return start;
}

void FinishPacket(size_t start, std::vector<uint8_t>* out) {
  const size_t words = (out->size() - start) / 4 - 1;
  (*out)[start + 2] = static_cast<uint8_t>(words >> 8);
  (*out)[start + 3] = static_cast<uint8_t>(words);
}

}  // namespace

void AppendReceiverReport(uint32_t sender_ssrc, absl::Span<const ReportBlock> blocks,
                          std::vector<uint8_t>* compound) {
  const size_t count = std::min<size_t>(blocks.size(), 31);
  const size_t start = StartPacket(static_cast<uint8_t>(count), kReceiverReport, compound);
  Put32(sender_ssrc, compound);
  for (size_t i = 0; i < count; ++i) {
    const ReportBlock& block = blocks[i];
    Put32(block.ssrc, compound);
    const int32_t lost = std::clamp<int32_t>(block.cumulative_lost, -0x800000, 0x7fffff);
    Put32((static_cast<uint32_t>(block.fraction_lost) << 24) | (static_cast<uint32_t>(lost) & 0xffffff),
          compound);
    Put32(block.extended_highest_sequence, compound);
    Put32(block.jitter, compound);
    Put32(block.last_sender_report, compound);
    Put32(block.delay_since_sender_report, compound);
  }
  FinishPacket(start, compound);
}

void AppendNack(uint32_t sender_ssrc, uint32_t media_ssrc, absl::Span<const uint16_t> missing,
                std::vector<uint8_t>* compound) {
  if (missing.empty()) return;
  const size_t start = StartPacket(kGenericNackFormat, kTransportFeedback, compound);
  Put32(sender_ssrc, compound);
  Put32(media_ssrc, compound);
  size_t i = 0;
  while (i < missing.size()) {
    // PID, and a bitmask of the 16 sequence numbers after it (BLP).
    const uint16_t pid = missing[i++];
    uint16_t mask = 0;
    while (i < missing.size()) {
      const uint16_t distance = static_cast<uint16_t>(missing[i] - pid);
      if (distance == 0) {  // repeated
        ++i;
        continue;
      }
      if (distance > 16) break;
      mask |= static_cast<uint16_t>(1u << (distance - 1));
      ++i;
    }
    Put16(pid, compound);
    Put16(mask, compound);
  }
  FinishPacket(start, compound);
}

size_t AppendTransportFeedback(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t feedback_count,
                               absl::Span<const TransportArrival> arrivals,
                               std::vector<uint8_t>* compound) {
  constexpr int64_t kDeltaUs = 250;
  constexpr int64_t kReferenceUs = 64'000;
  if (arrivals.empty() || arrivals[0].arrival_us < 0) return 0;
  arrivals = arrivals.subspan(0, std::min<size_t>(arrivals.size(), 0xffff));
  const int64_t reference = arrivals[0].arrival_us / kReferenceUs;
  // Status symbols (0 not received, 1 small delta, 2 large delta) and deltas.
  std::vector<uint8_t> symbols;
  std::vector<uint8_t> deltas;
  int64_t previous_us = reference * kReferenceUs;
  for (const TransportArrival& arrival : arrivals) {
    if (arrival.arrival_us < 0) {
      symbols.push_back(0);
      continue;
    }
    // Rounded to the step, kept as the next delta's base so errors do not add up.
    const int64_t ticks = (arrival.arrival_us - previous_us) / kDeltaUs;
    if (ticks >= 0 && ticks <= 0xff) {
      symbols.push_back(1);
      deltas.push_back(static_cast<uint8_t>(ticks));
    } else if (ticks >= -0x8000 && ticks <= 0x7fff) {
      symbols.push_back(2);
      Put16(static_cast<uint16_t>(ticks), &deltas);
    } else {
      break;
    }
    previous_us += ticks * kDeltaUs;
  }
  // Lost packets at the end tell the sender nothing yet: they are reported
  // with the next feedback.
  while (!symbols.empty() && symbols.back() == 0) symbols.pop_back();
  const size_t start = StartPacket(kTransportCcFormat, kTransportFeedback, compound);
  Put32(sender_ssrc, compound);
  Put32(media_ssrc, compound);
  Put16(arrivals[0].sequence, compound);
  Put16(static_cast<uint16_t>(symbols.size()), compound);
  const uint32_t reference_24 = static_cast<uint32_t>(reference) & 0xffffff;
  Put32((reference_24 << 8) | feedback_count, compound);
  // Status vector chunks of seven 2-bit symbols (T=1, S=1).
  for (size_t i = 0; i < symbols.size(); i += 7) {
    uint16_t chunk = 0xc000;
    for (size_t j = 0; j < 7 && i + j < symbols.size(); ++j) {
      chunk |= static_cast<uint16_t>(symbols[i + j] << (12 - 2 * j));
    }
    Put16(chunk, compound);
  }
  compound->insert(compound->end(), deltas.begin(), deltas.end());
  // Padded to a word (RFC 3550 §6.4.1: P set, the last byte counts the padding).
  const size_t padding = (4 - (compound->size() - start) % 4) % 4;
  if (padding != 0) {
    compound->insert(compound->end(), padding - 1, 0);
    compound->push_back(static_cast<uint8_t>(padding));
    (*compound)[start] |= 0x20;
  }
  FinishPacket(start, compound);
  return symbols.size();
}

}  // namespace rtparchive::rtp
