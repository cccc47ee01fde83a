// Which datagrams arriving on one publisher's media port reach its archive.
// A stray or hostile sender on the node's network must not take a
// publisher's place, so:
// - an SSRC is on probation until three of its packets arrive in sequence
//   (RFC 3550 A.1, "in sequence" allowing a few lost or reordered packets);
//   its first packets are held meanwhile and delivered on validation, so a
//   real source loses nothing, while a spray of random SSRCs (or of a
//   publisher's SSRCs with random sequence numbers) never takes a slot.
//   A new SSRC on the exact 5-tuple of a validated one is trusted at once,
//   its packets held so far delivered before it;
// - when the SDP lists SSRCs, MIDs or RIDs, packets naming others are refused;
// - the port locks to the IP address that first delivers validated media
//   and refuses others; each SSRC is bound to the 5-tuple it was validated
//   from (one sender may use a UDP port per medium, as GStreamer pipelines
//   with two udpsinks do), so its packets from any other port are refused.
//   A binding moves only when its 5-tuple (for the port's lock: its whole
//   address) has been silent for kSilenceBeforeMoveUs and validated media
//   comes from the new one (a NAT that rebinds, a publisher that changed
//   networks);
// - an allowed source given when the stream was announced refuses all others;
// - with SDES keys, only SRTP/SRTCP that authenticates gets further, decrypted.
// Refused packets are counted by reason and never copied; the first of each
// reason is logged (a flood writes one line, not one per packet).
// One receiving thread offers a port's packets; locked() may be read from any.
#ifndef RTPARCHIVE_NODE_SOURCE_GATE_H_
#define RTPARCHIVE_NODE_SOURCE_GATE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "node/endpoint.h"
#include "node/source_rules.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::node {

enum class Refusal {
  kNotRtp,             // not RTP or RTCP version 2, or a malformed header
  kSourceNotAllowed,   // outside the stream's allowed source
  kOtherSource,        // another address than the one the port locked to
  kRtcpBeforeMedia,    // RTCP before any media was validated
  kUnlistedSsrc,       // an SSRC the SDP does not list
  kUnlistedMid,        // a MID header extension the SDP does not list
  kUnlistedRid,        // a RID header extension the SDP does not list
  kUnvalidatedSsrc,    // held on probation and never followed in sequence
  kTooManySsrcs,       // over kMaxSsrcs validated SSRCs on one port
  kSrtpUnauthenticated,  // an SRTP stream's packet that authenticates under no key
  kSrtpReplayed,         // an SRTP index already seen or too old (checked before authentication)
  kStunUnauthenticated,  // WHIP: a STUN message that is no binding request with our credentials
};
inline constexpr int kRefusalCount = 12;
// "not_rtp", "source_not_allowed", ... as /metrics labels them.
const char* ToString(Refusal refusal);

// Node-wide totals over every port, read by /metrics while ports count.
struct MediaCounters {
  std::atomic<uint64_t> received{0};   // datagrams read
  std::atomic<uint64_t> delivered{0};  // packets passed to archives
  std::atomic<uint64_t> source_moves{0};
  // WebRTC publishers' repair (publisher_feedback.h): sequence numbers the
  // node asked for with NACKs, those that then arrived, those given up.
  std::atomic<uint64_t> nacked{0}, repaired{0}, given_up{0};
  std::array<std::atomic<uint64_t>, kRefusalCount> refused{};
};

class SourceGate {
 public:
  static constexpr int64_t kSilenceBeforeMoveUs = 2'000'000;
  static constexpr size_t kMaxSsrcs = 32;
  static constexpr size_t kMaxCandidates = 32;
  static constexpr size_t kMaxCandidatesPerPeer = 8;
  static constexpr size_t kMaxHeldBytes = 2048;

  using Deliver = absl::FunctionRef<void(absl::Span<const uint8_t> packet, int64_t arrival_us)>;
  using LogFunction = std::function<void(absl::string_view line)>;

  // `label` names the port in log lines; `counters` outlives the gate.
  SourceGate(SourceRules rules, std::string label, MediaCounters* counters, LogFunction log);

  // Passes `packet` (and any packets of its SSRC held on probation) to
  // `deliver`, or counts why not.
  void Offer(const Endpoint& from, absl::Span<const uint8_t> packet, int64_t arrival_us,
             Deliver deliver);

  // Where `ssrc`'s media comes from (else the last validated source, if
  // any): RTCP feedback goes there. Any thread.
  std::optional<Endpoint> FeedbackTo(uint32_t ssrc) const;
  // True for an SRTP stream (feedback would need a key of the node's own).
  bool encrypted() const { return !rules_.srtp_keys.empty(); }

 private:
  struct Held {
    std::vector<uint8_t> bytes;  // keeps its capacity between uses
    int64_t arrival_us = 0;
    bool present = false;
  };
  struct Trusted {
    uint32_t ssrc = 0;
    Endpoint from;
    int64_t heard_us = 0;
  };
  struct Candidate {
    bool used = false;
    Endpoint peer;
    uint32_t ssrc = 0;
    int64_t first_us = 0;
    int in_sequence = 0;  // packets after the first that came in sequence
    uint16_t last_sequence = 0;
    std::array<Held, 3> held;
  };

  // A refusal: counted, and logged the first time.
  void Refuse(Refusal refusal, const Endpoint& from);
  std::optional<Refusal> CheckListed(const rtp::RtpPacketView& rtp) const;
  // A packet of an SSRC not yet validated from `from`: held, or delivered
  // with the held ones once enough came in sequence.
  void OnProbation(const Endpoint& from, uint32_t ssrc, uint16_t sequence,
                   absl::Span<const uint8_t> packet, int64_t arrival_us, Deliver deliver);
  Candidate* SlotFor(const Endpoint& from);
  // Forgets what `candidate` holds, each packet counted as refused for `why`.
  // Delivers the candidate's held packets and frees it.
  void ReleaseHeld(Candidate& candidate, Deliver deliver);
  void DropHeld(Candidate& candidate, Refusal why = Refusal::kUnvalidatedSsrc);
  // Trusts `ssrc` and locks (or moves) the port to `from`; false when the
  // port has kMaxSsrcs already.
  bool Validate(const Endpoint& from, uint32_t ssrc, int64_t arrival_us);

  const SourceRules rules_;
  std::unique_ptr<srtp::SrtpReceiver> srtp_;  // with keys
  std::vector<uint8_t> plain_;                // the decrypted packet, capacity reused
  const std::string label_;
  MediaCounters* const counters_;
  const LogFunction log_;
  // Written by the receiving thread under the mutex, read by others with it.
  mutable std::mutex trusted_mu_;
  std::optional<Endpoint> locked_;  // the last validated source; its address is the lock
  std::vector<Trusted> trusted_;    // at most kMaxSsrcs
  int64_t locked_heard_us_ = 0;     // last packet from the locked address
  std::array<Candidate, kMaxCandidates> candidates_{};
  std::array<bool, kRefusalCount> logged_{};
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_SOURCE_GATE_H_
