#include "replay/srtp_filter.h"

#include "absl/strings/str_cat.h"
#include "rtp/rtp_packet.h"

namespace rtparchive::replay {

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
                                              SrtpCounts* counts) {
  if (keys.empty()) return DatagramFilter();
  auto created = srtp::SrtpReceiver::Create(keys);
  if (!created.ok()) return created.status();
  std::shared_ptr<srtp::SrtpReceiver> receiver = *std::move(created);
  auto plain = std::make_shared<std::vector<uint8_t>>();
  return DatagramFilter([receiver, plain, counts](ingest::Datagram* datagram) {
    if (!rtp::LooksLikeRtpOrRtcp(datagram->payload)) return true;  // STUN, DTLS, other traffic
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
