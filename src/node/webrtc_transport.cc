#include "node/webrtc_transport.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/system_clock.h"
#include "rtp/rtp_packet.h"
#include "webrtc/stun_message.h"

namespace rtparchive::node {
namespace {

webrtc::TransportAddress ToTransportAddress(const Endpoint& endpoint) {
  webrtc::TransportAddress address;
  static constexpr uint8_t kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  address.port = endpoint.port;
  if (std::equal(kV4Mapped, kV4Mapped + 12, endpoint.address.begin())) {
    std::copy(endpoint.address.begin() + 12, endpoint.address.end(), address.address.begin());
  } else {
    address.ipv6 = true;
    address.address = endpoint.address;
  }
  return address;
}

bool LooksLikeRtpOrRtcp(absl::Span<const uint8_t> datagram) {
  return !datagram.empty() && datagram[0] >= 128 && datagram[0] <= 191;  // RFC 7983
}

}  // namespace

WebRtcTransport::WebRtcTransport(IceCredentials credentials,
                                 std::unique_ptr<webrtc::DtlsSrtpServer> dtls, SourceRules rules,
                                 std::string label, MediaCounters* counters,
                                 SourceGate::LogFunction log)
    : credentials_(std::move(credentials)),
      label_(label),
      counters_(counters),
      log_(log),
      dtls_(std::move(dtls)),
      gate_(std::move(rules), std::move(label), counters, log),
      answered_us_(SystemTimeUs()) {}

bool WebRtcTransport::Checked(const Endpoint& from) const {
  return std::find(checked_.begin(), checked_.end(), from) != checked_.end();
}

void WebRtcTransport::Offer(const Endpoint& from, absl::Span<const uint8_t> datagram,
                            int64_t arrival_us, SourceGate::Deliver deliver, Reply reply) {
  if (webrtc::LooksLikeStun(datagram)) return OnStun(from, datagram, arrival_us, reply);
  if (!Checked(from)) {
    // Not one of the addresses ICE checked: counted as the gate counts strangers.
    counters_->received.fetch_add(1, std::memory_order_relaxed);
    counters_->refused[static_cast<int>(Refusal::kOtherSource)].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (webrtc::LooksLikeDtls(datagram)) return OnDtls(from, datagram, reply);
  if (!LooksLikeRtpOrRtcp(datagram) || !srtp_in_) {
    counters_->received.fetch_add(1, std::memory_order_relaxed);
    counters_->refused[static_cast<int>(Refusal::kNotRtp)].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  switch (srtp_in_->Unprotect(datagram, &plain_)) {
    case srtp::SrtpReceiver::Result::kOk:
      // Authenticated media shows the publisher is there as well as a
      // consent check does (stacks such as libnice send no checks once
      // connected, only keepalive indications).
      last_consent_us_ = arrival_us;
      OnMedia(plain_, arrival_us, reply);
      return gate_.Offer(from, plain_, arrival_us, deliver);
    case srtp::SrtpReceiver::Result::kReplayed:
      counters_->refused[static_cast<int>(Refusal::kSrtpReplayed)].fetch_add(1, std::memory_order_relaxed);
      break;
    default:
      counters_->refused[static_cast<int>(Refusal::kSrtpUnauthenticated)].fetch_add(1, std::memory_order_relaxed);
      break;
  }
  counters_->received.fetch_add(1, std::memory_order_relaxed);
}

void WebRtcTransport::OnStun(const Endpoint& from, absl::Span<const uint8_t> datagram,
                             int64_t arrival_us, Reply reply) {
  counters_->received.fetch_add(1, std::memory_order_relaxed);
  auto message = webrtc::ParseStun(datagram);
  const std::string expected_user = credentials_.local_ufrag + ":" + credentials_.remote_ufrag;
  if (!message.ok() || message->message_class != webrtc::StunClass::kRequest ||
      message->method != webrtc::kBindingMethod || message->username != expected_user ||
      !webrtc::FingerprintMatches(datagram, *message) ||
      !webrtc::IntegrityMatches(datagram, *message, credentials_.local_pwd)) {
    // Answered by silence: an unauthenticated request gets nothing to reflect.
    counters_->refused[static_cast<int>(Refusal::kStunUnauthenticated)].fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!Checked(from)) {
    if (checked_.size() >= kMaxCheckedAddresses) checked_.erase(checked_.begin());
    checked_.push_back(from);
  }
  last_consent_us_ = arrival_us;
  if (message->use_candidate) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!selected_ || *selected_ != from) {
      if (log_) log_(absl::StrCat("WHIP ", label_, ": ICE nominated ", from.ToString()));
      selected_ = from;
    }
  }
  const auto answer = webrtc::BindingSuccess(message->transaction_id, ToTransportAddress(from),
                                             credentials_.local_pwd);
  reply(answer, from);
}

void WebRtcTransport::OnDtls(const Endpoint& from, absl::Span<const uint8_t> datagram, Reply reply) {
  counters_->received.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::vector<uint8_t>> out;
  const bool was_handshaking = dtls_->state() == webrtc::DtlsSrtpServer::State::kHandshaking;
  dtls_->Receive(datagram, &out);
  for (const auto& answer : out) reply(answer, from);
  if (!was_handshaking) return;
  if (dtls_->state() == webrtc::DtlsSrtpServer::State::kFailed && !logged_failure_) {
    logged_failure_ = true;
    if (log_) log_(absl::StrCat("WHIP ", label_, ": ", dtls_->failure()));
  }
  if (dtls_->state() != webrtc::DtlsSrtpServer::State::kConnected) return;
  auto receiver = srtp::SrtpReceiver::Create({dtls_->publisher_key()});
  auto sender = srtp::SrtpSender::Create(dtls_->node_key());
  if (!receiver.ok() || !sender.ok()) {
    if (log_) log_(absl::StrCat("WHIP ", label_, ": cannot set up SRTP with the DTLS keys"));
    return;
  }
  srtp_in_ = *std::move(receiver);
  {
    std::lock_guard<std::mutex> lock(mu_);
    srtcp_out_ = *std::move(sender);
    if (!selected_) selected_ = from;
    if (feedback_config_) feedback_ = std::make_unique<PublisherFeedback>(*feedback_config_);
  }
  connected_ = true;
  if (log_) {
    log_(absl::StrCat("WHIP ", label_, ": DTLS-SRTP up with ", from.ToString(), " (",
                      srtp::SuiteName(dtls_->publisher_key().suite), ") ", (SystemTimeUs() - answered_us_) / 1000,
                      " ms after the offer"));
  }
}

void WebRtcTransport::EnableFeedback(FeedbackConfig config) {
  std::lock_guard<std::mutex> lock(mu_);
  feedback_config_ = std::move(config);
}

void WebRtcTransport::OnMedia(absl::Span<const uint8_t> plain, int64_t arrival_us, Reply reply) {
  const bool rtcp = rtp::LooksLikeRtcp(plain);
  if (!rtcp && !media_logged_ && log_) {
    media_logged_ = true;  // the setup time a publisher's user waits for
    log_(absl::StrCat("WHIP ", label_, ": first media ", (arrival_us - answered_us_) / 1000,
                      " ms after the offer"));
  }
  if (!feedback_) return;
  if (rtcp) return feedback_->OnRtcp(plain, arrival_us);
  rtp::RtpPacketView packet;
  // A packet that does not parse is the gate's to count.
  if (packet.Parse(plain) == rtp::RtpError::kNone && feedback_->OnRtp(packet, arrival_us)) {
    SendFeedback(arrival_us, reply);  // the first NACK for a gap goes at once
  }
}

void WebRtcTransport::SendFeedback(int64_t now_us, Reply reply) {
  const std::vector<std::vector<uint8_t>> due = feedback_->Due(now_us);
  const FeedbackCounters& now = feedback_->counters();
  counters_->nacked.fetch_add(now.nacked - feedback_counted_.nacked, std::memory_order_relaxed);
  counters_->repaired.fetch_add(now.repaired - feedback_counted_.repaired, std::memory_order_relaxed);
  counters_->given_up.fetch_add(now.given_up - feedback_counted_.given_up, std::memory_order_relaxed);
  feedback_counted_ = now;
  for (const std::vector<uint8_t>& compound : due) {
    if (auto protected_rtcp = ProtectFeedback(compound)) reply(protected_rtcp->first, protected_rtcp->second);
  }
}

void WebRtcTransport::OnTimer(int64_t now_us, Reply reply) {
  if (feedback_) return SendFeedback(now_us, reply);
  if (dtls_->state() != webrtc::DtlsSrtpServer::State::kHandshaking || checked_.empty()) return;
  std::vector<std::vector<uint8_t>> out;
  dtls_->OnTimer(&out);
  for (const auto& datagram : out) reply(datagram, checked_.back());
}

std::optional<std::pair<std::vector<uint8_t>, Endpoint>> WebRtcTransport::ProtectFeedback(
    absl::Span<const uint8_t> feedback) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!srtcp_out_ || !selected_) return std::nullopt;
  std::vector<uint8_t> protected_rtcp = srtcp_out_->ProtectRtcp(feedback);
  if (protected_rtcp.empty()) return std::nullopt;
  return std::make_pair(std::move(protected_rtcp), *selected_);
}

}  // namespace rtparchive::node
