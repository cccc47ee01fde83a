#include "node/source_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::node {
namespace {

// How far a new SSRC's next sequence number may be from its last and still
// count as in sequence (a few packets lost or reordered), and how many
// packets in sequence validate it. Random sequence numbers pass each step
// with a chance of 8 in 65,536: a spray of 1,000 packets/s reusing a
// publisher's SSRC would need about 19 hours to validate by chance.
constexpr int kInSequence = 8;
constexpr int kMinSequential = 3;

const char* Explain(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNotRtp: return "not RTP or RTCP";
    case Refusal::kSourceNotAllowed: return "outside the stream's allowed source";
    case Refusal::kOtherSource: return "another address than the publisher's";
    case Refusal::kRtcpBeforeMedia: return "RTCP before any validated media";
    case Refusal::kUnlistedSsrc: return "an SSRC the stream's SDP does not list";
    case Refusal::kUnlistedMid: return "a MID the stream's SDP does not list";
    case Refusal::kUnlistedRid: return "a RID the stream's SDP does not list";
    case Refusal::kUnvalidatedSsrc: return "a new SSRC whose packets never came in sequence";
    case Refusal::kTooManySsrcs: return "more SSRCs than a stream may have";
    case Refusal::kSrtpUnauthenticated: return "SRTP that authenticates under none of the stream's keys";
    case Refusal::kSrtpReplayed:
      return "an SRTP packet index already received or behind the replay window (a replay, or "
             "another sender reusing the SSRC: libsrtp2 checks this before authenticating)";
    case Refusal::kStunUnauthenticated:
      return "a STUN message that is no binding request with the publisher's ICE credentials";
  }
  return "?";
}

bool Lists(const std::set<std::string>& names, absl::Span<const uint8_t> value) {
  return names.count(std::string(value.begin(), value.end())) != 0;
}

}  // namespace

const char* ToString(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNotRtp: return "not_rtp";
    case Refusal::kSourceNotAllowed: return "source_not_allowed";
    case Refusal::kOtherSource: return "other_source";
    case Refusal::kRtcpBeforeMedia: return "rtcp_before_media";
    case Refusal::kUnlistedSsrc: return "unlisted_ssrc";
    case Refusal::kUnlistedMid: return "unlisted_mid";
    case Refusal::kUnlistedRid: return "unlisted_rid";
    case Refusal::kUnvalidatedSsrc: return "unvalidated_ssrc";
    case Refusal::kTooManySsrcs: return "too_many_ssrcs";
    case Refusal::kSrtpUnauthenticated: return "srtp_unauthenticated";
    case Refusal::kSrtpReplayed: return "srtp_replayed_or_stale";
    case Refusal::kStunUnauthenticated: return "stun_unauthenticated";
  }
  return "unknown";
}

SourceGate::SourceGate(SourceRules rules, std::string label, MediaCounters* counters,
                       LogFunction log)
    : rules_(std::move(rules)), label_(std::move(label)), counters_(counters), log_(std::move(log)) {
  trusted_.reserve(kMaxSsrcs);  // never reallocated under the receiving thread's reads
  if (!rules_.srtp_keys.empty()) {
    auto receiver = srtp::SrtpReceiver::Create(rules_.srtp_keys);
    if (receiver.ok()) {
      srtp_ = *std::move(receiver);
    } else if (log_) {  // every packet is then refused as unauthenticated
      log_(absl::StrCat("media port ", label_, ": ", receiver.status().message()));
    }
  }
}

void SourceGate::Refuse(Refusal refusal, const Endpoint& from) {
  const int index = static_cast<int>(refusal);
  counters_->refused[index].fetch_add(1, std::memory_order_relaxed);
  if (logged_[index] || !log_) return;
  logged_[index] = true;
  log_(absl::StrCat("media port ", label_, ": refused a packet from ", from.ToString(), ": ",
                    Explain(refusal), " (further ones are only counted: ",
                    "rtparchive_media_packets_refused_total{reason=\"", ToString(refusal),
                    "\"} in /metrics)"));
}

void SourceGate::Offer(const Endpoint& from, absl::Span<const uint8_t> packet, int64_t arrival_us,
                       Deliver deliver) {
  counters_->received.fetch_add(1, std::memory_order_relaxed);
  if (rules_.allowed && !rules_.allowed->Allows(from)) {
    return Refuse(Refusal::kSourceNotAllowed, from);
  }
  const bool locked_address = locked_ && locked_->address == from.address;
  if (locked_ && !locked_address && arrival_us - locked_heard_us_ < kSilenceBeforeMoveUs) {
    return Refuse(Refusal::kOtherSource, from);
  }
  if (encrypted()) {
    const auto result = srtp_ ? srtp_->Unprotect(packet, &plain_)
                              : srtp::SrtpReceiver::Result::kNotAuthenticated;
    if (result == srtp::SrtpReceiver::Result::kReplayed) {
      return Refuse(Refusal::kSrtpReplayed, from);
    }
    if (result != srtp::SrtpReceiver::Result::kOk) {
      return Refuse(Refusal::kSrtpUnauthenticated, from);
    }
    packet = plain_;
  }
  if (rtp::LooksLikeRtcp(packet)) {
    if (!locked_address) {
      return Refuse(locked_ ? Refusal::kOtherSource : Refusal::kRtcpBeforeMedia, from);
    }
    locked_heard_us_ = arrival_us;
    counters_->delivered.fetch_add(1, std::memory_order_relaxed);
    return deliver(packet, arrival_us);
  }
  rtp::RtpPacketView rtp;
  if (rtp.Parse(packet) != rtp::RtpError::kNone) return Refuse(Refusal::kNotRtp, from);
  if (auto refusal = CheckListed(rtp)) return Refuse(*refusal, from);
  auto trusted = std::find_if(trusted_.begin(), trusted_.end(),
                              [&](const Trusted& t) { return t.ssrc == rtp.ssrc(); });
  if (trusted == trusted_.end() && locked_address &&
      std::any_of(trusted_.begin(), trusted_.end(), [&](const Trusted& t) { return t.from == from; })) {
    // A new SSRC on the 5-tuple of a validated one (a publisher's RTX or
    // next layer) is trusted at once: its first packets are often the
    // repairs that matter.
    if (!Validate(from, rtp.ssrc(), arrival_us)) return Refuse(Refusal::kTooManySsrcs, from);
    // Its packets held on probation before another SSRC validated the
    // 5-tuple (a keyframe, before the RTX probes that repeat it) go first.
    auto candidate = std::find_if(candidates_.begin(), candidates_.end(), [&](const Candidate& c) {
      return c.used && c.ssrc == rtp.ssrc() && c.peer == from;
    });
    if (candidate != candidates_.end()) ReleaseHeld(*candidate, deliver);
    counters_->delivered.fetch_add(1, std::memory_order_relaxed);
    return deliver(packet, arrival_us);
  }
  if (trusted != trusted_.end() && locked_address) {
    if (trusted->from == from) {
      trusted->heard_us = locked_heard_us_ = arrival_us;
      counters_->delivered.fetch_add(1, std::memory_order_relaxed);
      return deliver(packet, arrival_us);
    }
    // The SSRC from another port of the publisher's address: only once the
    // port it came from has gone silent.
    if (arrival_us - trusted->heard_us < kSilenceBeforeMoveUs) {
      return Refuse(Refusal::kOtherSource, from);
    }
  }
  OnProbation(from, rtp.ssrc(), rtp.sequence_number(), packet, arrival_us, deliver);
}

std::optional<Refusal> SourceGate::CheckListed(const rtp::RtpPacketView& rtp) const {
  if (!rules_.ssrcs_by_payload_type.empty()) {
    auto listed = rules_.ssrcs_by_payload_type.find(rtp.payload_type());
    if (listed != rules_.ssrcs_by_payload_type.end() && listed->second.count(rtp.ssrc()) == 0) {
      return Refusal::kUnlistedSsrc;
    }
  }
  if (!rules_.mids.empty() && rules_.mid_extension_id != 0) {
    auto mid = rtp.FindExtension(static_cast<uint8_t>(rules_.mid_extension_id));
    if (!mid.empty() && !Lists(rules_.mids, mid)) return Refusal::kUnlistedMid;
  }
  if (!rules_.rids.empty()) {
    for (int id : rules_.rid_extension_ids) {
      auto rid = rtp.FindExtension(static_cast<uint8_t>(id));
      if (!rid.empty() && !Lists(rules_.rids, rid)) return Refusal::kUnlistedRid;
    }
  }
  return std::nullopt;
}

void SourceGate::OnProbation(const Endpoint& from, uint32_t ssrc, uint16_t sequence,
                             absl::Span<const uint8_t> packet, int64_t arrival_us,
                             Deliver deliver) {
  auto candidate = std::find_if(candidates_.begin(), candidates_.end(), [&](const Candidate& c) {
    return c.used && c.ssrc == ssrc && c.peer == from;
  });
  if (candidate == candidates_.end()) {
    candidate = SlotFor(from);
    if (candidate->used) DropHeld(*candidate);
    candidate->used = true;
    candidate->peer = from;
    candidate->ssrc = ssrc;
    candidate->first_us = arrival_us;
    candidate->in_sequence = 0;
  } else {
    const int step = static_cast<int16_t>(sequence - candidate->last_sequence);
    if (step > 0 && step <= kInSequence) {
      ++candidate->in_sequence;
    } else if (step > kInSequence || step < -kInSequence) {
      DropHeld(*candidate);  // not this SSRC's sequence: probation starts again
      candidate->in_sequence = 0;
    }  // else a late or repeated packet: held, not counted
  }
  if (candidate->in_sequence + 1 >= kMinSequential) {
    candidate->used = false;
    if (!Validate(from, ssrc, arrival_us)) {
      DropHeld(*candidate, Refusal::kTooManySsrcs);
      return Refuse(Refusal::kTooManySsrcs, from);
    }
    ReleaseHeld(*candidate, deliver);
    counters_->delivered.fetch_add(1, std::memory_order_relaxed);
    return deliver(packet, arrival_us);
  }
  if (candidate->in_sequence == 0 || static_cast<int16_t>(sequence - candidate->last_sequence) > 0) {
    candidate->last_sequence = sequence;
  }
  // Held until the SSRC is validated; a packet too large to hold, or beyond
  // what a candidate holds, is lost.
  auto slot = std::find_if(candidate->held.begin(), candidate->held.end(),
                           [](const Held& held) { return !held.present; });
  if (slot == candidate->held.end() || packet.size() > kMaxHeldBytes) {
    return Refuse(Refusal::kUnvalidatedSsrc, from);
  }
  slot->present = true;
  slot->arrival_us = arrival_us;
  slot->bytes.assign(packet.begin(), packet.end());
}

void SourceGate::ReleaseHeld(Candidate& candidate, Deliver deliver) {
  candidate.used = false;
  for (Held& held : candidate.held) {
    if (!held.present) continue;
    held.present = false;
    counters_->delivered.fetch_add(1, std::memory_order_relaxed);
    deliver(held.bytes, held.arrival_us);
  }
}

void SourceGate::DropHeld(Candidate& candidate, Refusal why) {
  for (Held& held : candidate.held) {
    if (held.present) Refuse(why, candidate.peer);
    held.present = false;
  }
}

SourceGate::Candidate* SourceGate::SlotFor(const Endpoint& from) {
  Candidate *free = nullptr, *oldest = nullptr, *peers_oldest = nullptr;
  size_t peers = 0;
  for (Candidate& candidate : candidates_) {
    if (!candidate.used) {
      if (free == nullptr) free = &candidate;
      continue;
    }
    if (oldest == nullptr || candidate.first_us < oldest->first_us) oldest = &candidate;
    if (candidate.peer == from) {
      ++peers;
      if (peers_oldest == nullptr || candidate.first_us < peers_oldest->first_us) {
        peers_oldest = &candidate;
      }
    }
  }
  // A sender trying many SSRCs replaces its own; others keep theirs.
  if (peers >= kMaxCandidatesPerPeer) return peers_oldest;
  return free != nullptr ? free : oldest;
}

bool SourceGate::Validate(const Endpoint& from, uint32_t ssrc, int64_t arrival_us) {
  std::lock_guard<std::mutex> lock(trusted_mu_);
  auto trusted = std::find_if(trusted_.begin(), trusted_.end(),
                              [&](const Trusted& t) { return t.ssrc == ssrc; });
  if (trusted == trusted_.end()) {
    if (trusted_.size() >= kMaxSsrcs) return false;
    trusted = trusted_.insert(trusted_.end(), Trusted{ssrc, from, arrival_us});
  }
  trusted->from = from;
  trusted->heard_us = arrival_us;
  if (!locked_) {
    if (log_) {
      log_(absl::StrCat("media port ", label_, ": media from ", from.ToString(),
                        " validated; the port takes media from that address only"));
    }
  } else if (locked_->address != from.address) {
    counters_->source_moves.fetch_add(1, std::memory_order_relaxed);
    if (log_) {
      log_(absl::StrCat("media port ", label_, ": the publisher moved from ", locked_->ToString(),
                        " (silent for ", (arrival_us - locked_heard_us_) / 1000, " ms) to ",
                        from.ToString()));
    }
  }
  locked_ = from;
  locked_heard_us_ = arrival_us;
  return true;
}

std::optional<Endpoint> SourceGate::FeedbackTo(uint32_t ssrc) const {
  std::lock_guard<std::mutex> lock(trusted_mu_);
  for (const Trusted& trusted : trusted_) {
    if (trusted.ssrc == ssrc) return trusted.from;
  }
  return locked_;
}

}  // namespace rtparchive::node
