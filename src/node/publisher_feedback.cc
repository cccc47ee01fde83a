#include "node/publisher_feedback.h"

#include <algorithm>
#include <cmath>

#include "base/wrap_around.h"
#include "rtp/rtcp_packet.h"

namespace rtparchive::node {
namespace {

// A jump this far ahead is a restarted sender, not loss worth repairing.
constexpr int64_t kMaxGap = 1000;

int64_t Extend(int64_t highest, uint16_t sequence) {
  return highest < 0 ? sequence
                     : highest + ForwardDistance<uint16_t>(static_cast<uint16_t>(highest), sequence);
}

}  // namespace

PublisherFeedback::Source* PublisherFeedback::SourceFor(uint32_t ssrc, int payload_type) {
  auto found = sources_.find(ssrc);
  if (found != sources_.end()) return &found->second;
  if (sources_.size() >= kMaxSsrcs) return nullptr;
  Source& source = sources_[ssrc];
  source.payload_type = payload_type;
  auto rate = config_.clock_rates.find(payload_type);
  if (rate != config_.clock_rates.end() && rate->second > 0) source.clock_rate = rate->second;
  return &source;
}

bool PublisherFeedback::OnRtp(const rtp::RtpPacketView& packet, int64_t arrival_us) {
  NoteTransportSequence(packet, arrival_us);
  if (config_.rtx_payload_types.count(packet.payload_type())) {
    OnRetransmission(packet);
    return false;
  }
  if (!config_.clock_rates.count(packet.payload_type())) return false;  // RED/FEC/unknown: not repaired here
  return OnMedia(packet, arrival_us);
}

bool PublisherFeedback::OnMedia(const rtp::RtpPacketView& packet, int64_t arrival_us) {
  Source* source = SourceFor(packet.ssrc(), packet.payload_type());
  if (source == nullptr) return false;
  const int64_t sequence = Extend(source->highest_sequence, packet.sequence_number());
  bool new_gap = false;
  if (source->highest_sequence < 0) {
    source->first_sequence = sequence;
    source->highest_sequence = sequence;
    source->first_arrival_us = arrival_us;
  } else if (sequence > source->highest_sequence) {
    const int64_t gap = sequence - source->highest_sequence - 1;
    if (gap > kMaxGap) {
      source->missing.clear();
    } else {
      // Only where NACK was negotiated (RFC 4585 §4.2): others may not repair.
      const bool nack = config_.nack_payload_types.count(source->payload_type) != 0;
      for (int64_t lost = source->highest_sequence + 1; nack && lost < sequence; ++lost) {
        if (source->missing.size() >= kMaxMissing) {
          source->missing.erase(source->missing.begin());
          ++counters_.given_up;
        }
        source->missing[lost].first_seen_us = arrival_us;
        new_gap = true;
      }
    }
    source->highest_sequence = sequence;
    // Interarrival jitter (RFC 3550 §6.4.1, A.8), from packets in order.
    const int64_t arrival_units = (arrival_us - source->first_arrival_us) * source->clock_rate / 1'000'000;
    const int64_t transit = arrival_units - static_cast<int64_t>(packet.timestamp());
    if (source->has_transit) {
      const double difference = std::abs(static_cast<double>(
          static_cast<int32_t>(static_cast<uint32_t>(transit - source->last_transit))));
      source->jitter += (difference - source->jitter) / 16;
    }
    source->last_transit = transit;
    source->has_transit = true;
  } else {
    auto missing = source->missing.find(sequence);
    if (missing != source->missing.end()) {
      if (missing->second.tries > 0) ++counters_.repaired;
      source->missing.erase(missing);
    }
  }
  ++source->received;
  return new_gap;
}

void PublisherFeedback::OnRetransmission(const rtp::RtpPacketView& packet) {
  // RFC 4588: the original sequence number leads the payload; padding-only
  // packets (bandwidth probes) carry none.
  const auto payload = packet.payload();
  if (payload.size() < 2) return;
  const uint16_t original = static_cast<uint16_t>(payload[0] << 8 | payload[1]);
  const int media_type = config_.rtx_payload_types.at(packet.payload_type());
  for (auto& [ssrc, source] : sources_) {
    if (source.payload_type != media_type) continue;
    auto missing = source.missing.find(Extend(source.highest_sequence, original));
    if (missing == source.missing.end()) continue;
    if (missing->second.tries > 0) ++counters_.repaired;
    source.missing.erase(missing);
    ++source.received;
    return;
  }
}

void PublisherFeedback::NoteTransportSequence(const rtp::RtpPacketView& packet, int64_t arrival_us) {
  if (config_.transport_cc_extension == 0) return;
  const auto element = packet.FindExtension(static_cast<uint8_t>(config_.transport_cc_extension));
  if (element.size() < 2) return;
  const int64_t sequence =
      Extend(highest_transport_sequence_, static_cast<uint16_t>(element[0] << 8 | element[1]));
  if (next_report_sequence_ < 0) next_report_sequence_ = sequence;
  // Reported already (a late arrival), or far before what is waiting.
  if (sequence < next_report_sequence_) return;
  if (sequence > highest_transport_sequence_ + kMaxGap && highest_transport_sequence_ >= 0) {
    arrivals_.clear();  // a restarted sender: what was waiting is lost anyway
    next_report_sequence_ = sequence;
  }
  highest_transport_sequence_ = std::max(highest_transport_sequence_, sequence);
  arrivals_.emplace(sequence, arrival_us);
  while (arrivals_.size() > kMaxArrivals) {
    arrivals_.erase(arrivals_.begin());
    next_report_sequence_ = arrivals_.begin()->first;
  }
}

void PublisherFeedback::OnRtcp(absl::Span<const uint8_t> compound, int64_t arrival_us) {
  rtp::RtcpCompound parsed;
  rtp::ParseRtcpCompound(compound, &parsed);
  for (const rtp::SenderReport& report : parsed.sender_reports) {
    auto source = sources_.find(report.ssrc);
    if (source == sources_.end()) continue;
    source->second.last_sender_report = static_cast<uint32_t>(report.ntp_time >> 16);
    source->second.sender_report_arrival_us = arrival_us;
  }
}

void PublisherFeedback::AppendNacks(int64_t now_us, std::vector<uint8_t>* compound) {
  std::vector<uint16_t> asked;
  size_t asked_in_all = 0;
  for (auto& [ssrc, source] : sources_) {
    asked.clear();
    for (auto entry = source.missing.begin(); entry != source.missing.end();) {
      Missing& missing = entry->second;
      if (missing.tries >= kNackTries || now_us - missing.first_seen_us > kNackWindowUs) {
        ++counters_.given_up;
        entry = source.missing.erase(entry);
        continue;
      }
      // The rest wait for the next call: a compound stays under a path MTU.
      if (asked_in_all >= kMaxNackedPerCompound) break;
      if (missing.last_sent_us == 0 || now_us - missing.last_sent_us >= kNackIntervalUs) {
        ++asked_in_all;
        if (missing.tries == 0) ++counters_.nacked;
        ++missing.tries;
        missing.last_sent_us = now_us;
        asked.push_back(static_cast<uint16_t>(entry->first));
      }
      ++entry;
    }
    rtp::AppendNack(config_.node_ssrc, ssrc, asked, compound);
  }
}

std::vector<rtp::ReportBlock> PublisherFeedback::ReportBlocks(int64_t now_us) {
  std::vector<rtp::ReportBlock> blocks;
  for (auto& [ssrc, source] : sources_) {
    rtp::ReportBlock block;
    block.ssrc = ssrc;
    const uint64_t expected = static_cast<uint64_t>(source.highest_sequence - source.first_sequence + 1);
    const int64_t expected_interval = static_cast<int64_t>(expected - source.expected_prior);
    const int64_t received_interval = static_cast<int64_t>(source.received - source.received_prior);
    const int64_t lost_interval = expected_interval - received_interval;
    block.fraction_lost = expected_interval <= 0 || lost_interval <= 0
                              ? 0
                              : static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
    block.cumulative_lost = static_cast<int32_t>(
        std::clamp<int64_t>(static_cast<int64_t>(expected) - static_cast<int64_t>(source.received),
                            INT32_MIN, INT32_MAX));
    block.extended_highest_sequence = static_cast<uint32_t>(source.highest_sequence);
    block.jitter = static_cast<uint32_t>(source.jitter);
    if (source.last_sender_report != 0) {
      block.last_sender_report = source.last_sender_report;
      block.delay_since_sender_report =
          static_cast<uint32_t>((now_us - source.sender_report_arrival_us) * 65536 / 1'000'000);
    }
    source.expected_prior = expected;
    source.received_prior = source.received;
    blocks.push_back(block);
  }
  return blocks;
}

void PublisherFeedback::AppendTransportFeedback(std::vector<std::vector<uint8_t>>* out) {
  while (!arrivals_.empty() && highest_transport_sequence_ >= next_report_sequence_) {
    // The first reported arrival must have arrived: sequence numbers lost
    // before it were reported lost already or never will be asked about.
    next_report_sequence_ = std::max(next_report_sequence_, arrivals_.begin()->first);
    std::vector<rtp::TransportArrival> window;
    for (int64_t sequence = next_report_sequence_;
         sequence <= highest_transport_sequence_ && window.size() < kMaxStatusPerFeedback; ++sequence) {
      auto arrival = arrivals_.find(sequence);
      window.push_back({static_cast<uint16_t>(sequence), arrival == arrivals_.end() ? -1 : arrival->second});
    }
    std::vector<uint8_t> compound;
    rtp::AppendReceiverReport(config_.node_ssrc, {}, &compound);
    const uint32_t media_ssrc = sources_.empty() ? 0 : sources_.begin()->first;
    const size_t covered =
        rtp::AppendTransportFeedback(config_.node_ssrc, media_ssrc, feedback_count_++, window, &compound);
    if (covered == 0) break;
    next_report_sequence_ += static_cast<int64_t>(covered);
    arrivals_.erase(arrivals_.begin(), arrivals_.lower_bound(next_report_sequence_));
    out->push_back(std::move(compound));
    ++counters_.compounds;
  }
}

std::vector<std::vector<uint8_t>> PublisherFeedback::Due(int64_t now_us) {
  std::vector<std::vector<uint8_t>> out;
  const bool anything_missing = std::any_of(sources_.begin(), sources_.end(),
                                            [](const auto& entry) { return !entry.second.missing.empty(); });
  if (!anything_missing && now_us - last_report_us_ < kReportIntervalUs &&
      now_us - last_transport_feedback_us_ < kTransportFeedbackIntervalUs) {
    return out;  // the common case, every ~20 ms: nothing to build
  }
  std::vector<uint8_t> compound;
  if (now_us - last_report_us_ >= kReportIntervalUs && !sources_.empty()) {
    last_report_us_ = now_us;
    rtp::AppendReceiverReport(config_.node_ssrc, ReportBlocks(now_us), &compound);
  } else {
    rtp::AppendReceiverReport(config_.node_ssrc, {}, &compound);
  }
  const size_t empty_report = 8;
  AppendNacks(now_us, &compound);
  if (compound.size() > empty_report) {
    out.push_back(std::move(compound));
    ++counters_.compounds;
  }
  if (now_us - last_transport_feedback_us_ >= kTransportFeedbackIntervalUs) {
    last_transport_feedback_us_ = now_us;
    AppendTransportFeedback(&out);
  }
  return out;
}

}  // namespace rtparchive::node
