// WHIP (RFC 9725): a browser or encoder publishes its stream to the node
// with one HTTP request; the node answers as an ICE-lite, DTLS-SRTP
// endpoint on a media port of its own (see node_impl.h, webrtc_transport.h).

#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/system_clock.h"
#include "node/auth.h"
#include "node/node_impl.h"
#include "node/source_rules.h"
#include "webrtc/whip_sdp.h"

namespace rtparchive::node {
namespace {

// A WHIP publisher that sent no authenticated STUN for this long has left
// (browsers check consent every 5 s; RFC 7675 gives up after 30 s).
constexpr int64_t kConsentTimeoutUs = 30'000'000;
// A DELETE ends the stream this much later: the publisher's last packets,
// sent just before its DELETE, are still on their way.
constexpr int64_t kLeaveGraceUs = 300'000;

// `length` characters of ICE's ice-char set (letters and digits here).
std::string RandomIceText(size_t length) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::vector<unsigned char> bytes(length);
  RAND_bytes(bytes.data(), static_cast<int>(length));
  std::string text;
  for (unsigned char byte : bytes) text += kChars[byte % (sizeof(kChars) - 1)];
  return text;
}

// What the answer negotiated, as publisher feedback needs it.
FeedbackConfig FeedbackFor(const webrtc::Offer& answer) {
  FeedbackConfig config;
  config.node_ssrc = kNodeSsrc;
  for (const webrtc::OfferedSection& section : answer.sections) {
    for (const webrtc::OfferedCodec& codec : section.codecs) {
      if (absl::EqualsIgnoreCase(codec.name, "rtx")) {
        int repaired = -1;
        for (absl::string_view parameter : absl::StrSplit(codec.fmtp, ';')) {
          if (absl::ConsumePrefix(&parameter, "apt=")) (void)absl::SimpleAtoi(parameter, &repaired);
        }
        config.rtx_payload_types[codec.payload_type] = repaired;
        continue;
      }
      config.clock_rates[codec.payload_type] = codec.clock_rate;
      if (std::find(codec.feedback.begin(), codec.feedback.end(), "nack") != codec.feedback.end()) {
        config.nack_payload_types.insert(codec.payload_type);
      }
    }
    for (const auto& [id, uri] : section.extensions) {
      if (uri == kTransportCcExtension) config.transport_cc_extension = id;
    }
  }
  return config;
}

void AllowOrigins(http::Response& response) {
  response.set_header("Access-Control-Allow-Origin", "*");
  response.set_header("Access-Control-Expose-Headers", "Location");
}

}  // namespace

std::optional<Failure> Node::Impl::AuthenticateBearer(const http::Request& request,
                                                      int64_t* api_key) {
  const std::string authorization = request.get_header_value("Authorization");
  if (!absl::StartsWithIgnoreCase(authorization, "Bearer ")) {
    return Failure{401, "send Authorization: Bearer <the API secret, or a JWT as for X-OPENTOK-AUTH>"};
  }
  return node::AuthenticateBearer(request.matches[1], absl::string_view(authorization).substr(7),
                                  config_.secrets, absl::ToUnixSeconds(absl::Now()), api_key);
}

void Node::Impl::WhipOptions(const http::Request&, http::Response& response) {
  response.status = 204;
  AllowOrigins(response);
  response.set_header("Access-Control-Allow-Methods", "POST, DELETE, OPTIONS");
  response.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
  response.set_header("Access-Control-Max-Age", "86400");
}

void Node::Impl::WhipPublish(const http::Request& request, http::Response& response) {
  AllowOrigins(response);
  int64_t api_key = 0;
  if (auto failure = AuthenticateBearer(request, &api_key)) {
    if (failure->code == 401) response.set_header("WWW-Authenticate", "Bearer");
    return Reply(response, *failure);
  }
  const std::string session_id = request.matches[2];
  if (!absl::StartsWithIgnoreCase(request.get_header_value("Content-Type"), "application/sdp")) {
    return Reply(response, {415, "send the SDP offer with Content-Type: application/sdp"});
  }
  auto offer = webrtc::ParseOffer(request.body);
  if (!offer.ok()) return Reply(response, {400, std::string(offer.status().message())});
  auto peer_fingerprint = webrtc::ParseFingerprint(offer->fingerprint);
  if (!peer_fingerprint.ok()) return Reply(response, {400, std::string(peer_fingerprint.status().message())});
  StreamOptions options;
  options.stream_id = request.has_param("streamId") ? request.get_param_value("streamId") : RandomUuid();
  options.connection_data = request.get_param_value("connectionData");
  options.layer = request.has_param("layer") ? request.get_param_value("layer") : "high";
  std::optional<VideoType> type = ParseVideoType(
      request.has_param("videoType") ? request.get_param_value("videoType") : "camera");
  if (!IsValidId(options.stream_id) || !type || !IsValidLayerChoice(options.layer)) {
    return Reply(response, {400, "streamId: 1-200 letters, digits, '-', '_', '.'; videoType: camera, "
                                 "screen or custom; layer: high, low or a RID"});
  }
  options.video_type = *type;
  SourceRules sources;
  if (absl::Status listed = AddSdpSources(request.body, &sources); !listed.ok()) {
    return Reply(response, {400, std::string(listed.message())});
  }
  auto dtls = webrtc::DtlsSrtpServer::Create(dtls_certificate_, *peer_fingerprint, dtls_key_log_);
  if (!dtls.ok()) return Reply(response, {500, std::string(dtls.status().message())});
  const IceCredentials ice{RandomIceText(8), RandomIceText(24), offer->ice_ufrag};
  auto transport = std::make_shared<WebRtcTransport>(
      ice, *std::move(dtls), std::move(sources), options.stream_id, media_.mutable_counters(),
      [this](absl::string_view line) { log_(std::string(line)); });
  // A publisher back before its DELETE took effect: the old stream ends now.
  bool returning = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const AnnouncedStream* old = FindStream(api_key, session_id, options.stream_id);
    returning = old != nullptr && old->leaving_at_us != 0;
  }
  if (returning) RemoveStream(api_key, session_id, options.stream_id);
  std::string answer;
  int port = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (FindStream(api_key, session_id, options.stream_id) != nullptr) {
      return Reply(response, {409, absl::StrCat("stream ", options.stream_id, " is already published")});
    }
    auto opened = media_.Open(transport);
    if (!opened.ok()) return Reply(response, {503, std::string(opened.status().message())});
    port = *opened;
    webrtc::AnswerParameters answering{ice.local_ufrag, ice.local_pwd, dtls_certificate_->fingerprint(),
                                       config_.media_address, port, std::nullopt};
    for (const auto& [id, archive] : archives_) {
      const ArchiveRecord& record = records_[id];
      if (record.api_key == api_key && record.session_id == session_id) {
        answering.archive_video = record.video_codec;
      }
    }
    auto built = webrtc::BuildAnswer(*offer, answering);
    if (!built.ok() || !DescribeStreamFromSdp(*built, &options).ok()) {
      media_.Close(port);
      return Reply(response, {422, built.ok() ? "the answer could not be read back"
                                              : std::string(built.status().message())});
    }
    answer = *std::move(built);
    if (auto answered = webrtc::ParseOffer(answer); answered.ok()) {
      transport->EnableFeedback(FeedbackFor(*answered));
    }
    streams_by_port_[port] = {api_key, session_id, options, port, transport, SystemTimeUs()};
  }
  JoinAutoArchives(api_key, session_id, options);
  log_(absl::StrCat("WHIP ", options.stream_id, ": publishing to session ", session_id, " on port ", port));
  response.status = 201;
  response.set_header("Location", absl::StrCat("/whip/", api_key, "/", session_id, "/", options.stream_id));
  response.set_content(answer, "application/sdp");
}

void Node::Impl::WhipDelete(const http::Request& request, http::Response& response) {
  AllowOrigins(response);
  int64_t api_key = 0;
  if (auto failure = AuthenticateBearer(request, &api_key)) return Reply(response, *failure);
  const std::string session_id = request.matches[2], stream_id = request.matches[3];
  std::lock_guard<std::mutex> lock(mu_);
  AnnouncedStream* stream = FindStream(api_key, session_id, stream_id);
  if (stream == nullptr || !stream->webrtc || stream->leaving_at_us != 0) {
    return Reply(response, {404, absl::StrCat("no WHIP publisher ", stream_id, " in session ", session_id)});
  }
  stream->leaving_at_us = SystemTimeUs() + kLeaveGraceUs;
  response.status = 200;
}

void Node::Impl::EndSilentWhipStreams(int64_t now_us) {
  std::vector<AnnouncedStream> silent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [port, stream] : streams_by_port_) {
      if (!stream.webrtc) continue;
      const int64_t heard = std::max(stream.webrtc->last_consent_us(), stream.created_us);
      if (stream.leaving_at_us != 0 ? now_us >= stream.leaving_at_us
                                    : now_us - heard >= kConsentTimeoutUs) {
        silent.push_back(stream);
      }
    }
  }
  for (const AnnouncedStream& stream : silent) {
    log_(absl::StrCat("WHIP ", stream.options.stream_id, ": ",
                      stream.leaving_at_us ? "left (DELETE)"
                                           : absl::StrCat("no consent check for ", kConsentTimeoutUs / 1'000'000,
                                                          " s: the publisher left")));
    RemoveStream(stream.api_key, stream.session_id, stream.options.stream_id);
  }
}

}  // namespace rtparchive::node
