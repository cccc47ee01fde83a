// A WHIP publisher's media port: ICE-lite answers the publisher's STUN
// binding requests (short-term credentials of the offer and answer) and
// takes the pair it nominates; DTLS-SRTP runs with the addresses ICE has
// checked; then SRTP/SRTCP decrypted with the exported key goes through a
// SourceGate (the SDP's SSRC/MID/RID rules, probation) to the archive.
// Anything else is refused and counted. The publisher is present while its
// consent checks (the STUN requests it repeats every few seconds) or its
// authenticated media arrive.
// One receiving thread offers packets; the other methods may be called from
// any thread.
#ifndef RTPARCHIVE_NODE_WEBRTC_TRANSPORT_H_
#define RTPARCHIVE_NODE_WEBRTC_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "node/endpoint.h"
#include "node/publisher_feedback.h"
#include "node/source_gate.h"
#include "srtp/srtp_receiver.h"
#include "webrtc/dtls_srtp.h"

namespace rtparchive::node {

struct IceCredentials {
  std::string local_ufrag, local_pwd;  // the node's (in its answer)
  std::string remote_ufrag;            // the publisher's (in its offer)
};

class WebRtcTransport {
 public:
  using Reply = absl::FunctionRef<void(absl::Span<const uint8_t> datagram, const Endpoint& to)>;
  static constexpr size_t kMaxCheckedAddresses = 4;

  WebRtcTransport(IceCredentials credentials, std::unique_ptr<webrtc::DtlsSrtpServer> dtls,
                  SourceRules rules, std::string label, MediaCounters* counters,
                  SourceGate::LogFunction log);

  void Offer(const Endpoint& from, absl::Span<const uint8_t> datagram, int64_t arrival_us,
             SourceGate::Deliver deliver, Reply reply);
  // DTLS retransmissions while handshaking, then the feedback that is due
  // (NACK retries, reports, congestion feedback); call every ~20 ms.
  void OnTimer(int64_t now_us, Reply reply);
  // What the answer negotiated for feedback; the publisher gets it once
  // DTLS is up. Any thread, before or after the handshake.
  void EnableFeedback(FeedbackConfig config);

  // The RTCP `feedback` protected for the publisher and where to send it;
  // nullopt before DTLS is done.
  std::optional<std::pair<std::vector<uint8_t>, Endpoint>> ProtectFeedback(
      absl::Span<const uint8_t> feedback);
  // When the last authenticated STUN request or SRTP packet arrived (0: none yet).
  int64_t last_consent_us() const { return last_consent_us_.load(); }
  bool connected() const { return connected_.load(); }

 private:
  void OnStun(const Endpoint& from, absl::Span<const uint8_t> datagram, int64_t arrival_us, Reply reply);
  void OnDtls(const Endpoint& from, absl::Span<const uint8_t> datagram, Reply reply);
  bool Checked(const Endpoint& from) const;
  void OnMedia(absl::Span<const uint8_t> plain, int64_t arrival_us, Reply reply);
  void SendFeedback(int64_t now_us, Reply reply);

  const IceCredentials credentials_;
  const std::string label_;
  MediaCounters* const counters_;
  const SourceGate::LogFunction log_;
  std::unique_ptr<webrtc::DtlsSrtpServer> dtls_;
  SourceGate gate_;
  std::unique_ptr<srtp::SrtpReceiver> srtp_in_;
  std::vector<uint8_t> plain_;
  std::vector<Endpoint> checked_;  // addresses with an authenticated binding request
  bool logged_failure_ = false;
  std::unique_ptr<PublisherFeedback> feedback_;  // from DTLS up, when enabled
  FeedbackCounters feedback_counted_;            // what counters_ has of it
  std::atomic<int64_t> last_consent_us_{0};
  std::atomic<bool> connected_{false};
  const int64_t answered_us_;  // when the offer was answered (construction)
  bool media_logged_ = false;
  // The nominated address and the node's SRTCP sender, read by feedback.
  mutable std::mutex mu_;
  std::optional<Endpoint> selected_;
  std::unique_ptr<srtp::SrtpSender> srtcp_out_;
  std::optional<FeedbackConfig> feedback_config_;
};

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_WEBRTC_TRANSPORT_H_
