#include "node/source_rules.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rtparchive/media.h"
#include "sdp/sdp_file.h"

namespace rtparchive::node {

absl::Status AddSdpSources(absl::string_view sdp, SourceRules* rules) {
  ASSIGN_OR_RETURN(sdp::SessionDescription description, sdp::ParseSdp(sdp));
  for (const sdp::SdpMediaSection& section : description.media) {
    if (!section.ssrcs.empty()) {
      for (const auto& [payload_type, format] : section.payload_types) {
        rules->ssrcs_by_payload_type[payload_type].insert(section.ssrcs.begin(),
                                                          section.ssrcs.end());
      }
    }
    if (!section.mid.empty()) rules->mids.insert(section.mid);
    rules->rids.insert(section.rids.begin(), section.rids.end());
    for (const std::string& line : section.crypto) {
      auto key = srtp::ParseSdesCrypto(line);
      if (!key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("a=crypto: ", key.status().message()));
      }
      rules->srtp_keys.push_back(*std::move(key));
    }
    for (const auto& [id, uri] : section.header_extensions) {
      if (uri == kMidExtension) rules->mid_extension_id = id;
      if ((uri == kRtpStreamIdExtension || uri == kRepairedRtpStreamIdExtension) &&
          std::find(rules->rid_extension_ids.begin(), rules->rid_extension_ids.end(), id) ==
              rules->rid_extension_ids.end()) {
        rules->rid_extension_ids.push_back(id);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace rtparchive::node
