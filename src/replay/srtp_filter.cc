#include "replay/srtp_filter.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "rtp/rtp_packet.h"
#include "webrtc/dtls_srtp.h"

namespace rtparchive::replay {
namespace {

constexpr size_t kMaxDtlsFlows = 4096;

}  // namespace

absl::StatusOr<std::vector<srtp::SrtpKey>> CollectSrtpKeys(
    const std::vector<srtp::SrtpKey>& given, const std::vector<sdp::SessionDescription>& sdps) {
  std::vector<srtp::SrtpKey> keys = given;
  for (const sdp::SessionDescription& description : sdps) {
    for (const sdp::SdpMediaSection& section : description.media) {
      for (const std::string& line : section.crypto) {
        auto key = srtp::ParseSdesCrypto(line);
        if (!key.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--sdp: a=crypto:", line.substr(0, 60), ": ", key.status().message()));
        }
        keys.push_back(*std::move(key));
      }
    }
  }
  return keys;
}

absl::StatusOr<DatagramFilter> MakeSrtpFilter(const std::vector<srtp::SrtpKey>& keys,
                                              const webrtc::MasterSecrets& secrets,
                                              SrtpCounts* counts) {
  auto created = srtp::SrtpReceiver::Create(keys);
  if (!created.ok()) return created.status();
  std::shared_ptr<srtp::SrtpReceiver> receiver = *std::move(created);
  auto plain = std::make_shared<std::vector<uint8_t>>();
  auto handshakes = secrets.empty() ? nullptr : std::make_shared<webrtc::DtlsKeyFinder>(secrets);
  // Flows (either direction) that carried a DTLS hello: their RTP is SRTP.
  auto dtls_flows = std::make_shared<std::set<ingest::FiveTuple>>();
  const bool any_key = !keys.empty() || handshakes != nullptr;
  return DatagramFilter([receiver, plain, handshakes, dtls_flows, any_key, counts](ingest::Datagram* datagram) {
    if (webrtc::LooksLikeDtls(datagram->payload)) {
      if (webrtc::StartsDtlsHello(datagram->payload) && dtls_flows->size() < kMaxDtlsFlows) {
        dtls_flows->insert(datagram->flow);
        dtls_flows->insert({datagram->flow.destination, datagram->flow.source});
      }
      if (handshakes == nullptr) return true;
      for (const srtp::SrtpKey& key : handshakes->Offer(datagram->flow.source.ToString(),
                                                        datagram->flow.destination.ToString(),
                                                        datagram->payload)) {
        if (!receiver->AddKey(key).ok()) break;  // past the bound: later SRTP stays unread, counted
      }
      counts->dtls_keyed = handshakes->counts().handshakes_keyed;
      counts->dtls_not_in_key_log = handshakes->counts().not_in_key_log;
      return true;
    }
    if (!rtp::LooksLikeRtpOrRtcp(datagram->payload)) return true;  // STUN, other traffic
    if (!any_key) {
      // Plain RTP passes; SRTP of a DTLS flow would be recorded as garbage.
      if (dtls_flows->empty() || dtls_flows->count(datagram->flow) == 0) return true;
      ++counts->dtls_without_key;
      return false;
    }
    switch (receiver->Unprotect(datagram->payload, plain.get())) {
      case srtp::SrtpReceiver::Result::kOk:
        ++counts->decrypted;
        datagram->payload = *plain;
        return true;
      case srtp::SrtpReceiver::Result::kReplayed:
        ++counts->replayed;
        return false;
      case srtp::SrtpReceiver::Result::kNotAuthenticated:
      case srtp::SrtpReceiver::Result::kMalformed:
        ++counts->not_authenticated;
        return false;
    }
    return false;
  });
}

}  // namespace rtparchive::replay
