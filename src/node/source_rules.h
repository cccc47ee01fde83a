// What a publisher's media port accepts beyond probation: the SSRCs, MIDs
// and RIDs its SDP lists, and the allowed source given when it was announced.
#ifndef RTPARCHIVE_NODE_SOURCE_RULES_H_
#define RTPARCHIVE_NODE_SOURCE_RULES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "node/endpoint.h"
#include "srtp/srtp_receiver.h"

namespace rtparchive::node {

struct SourceRules {
  // The SSRCs a media section lists, under each of its payload types: a
  // packet of such a type must carry one of them. Types of sections that
  // list none (a browser's simulcast with RIDs) take any SSRC that passes
  // probation.
  std::map<int, std::set<uint32_t>> ssrcs_by_payload_type;
  std::set<std::string> mids, rids;
  int mid_extension_id = 0;  // 0: not mapped, so not checked
  std::vector<int> rid_extension_ids;  // rtp-stream-id and repaired-rtp-stream-id
  std::optional<AllowedSource> allowed;
  // SDES keys (a=crypto): the port then takes only SRTP and SRTCP that
  // authenticate under one of them, decrypted before anything else looks.
  std::vector<srtp::SrtpKey> srtp_keys;
};

// Adds what `sdp` lists (every a=ssrc, a=mid and a=rid, with the header
// extension IDs that carry MIDs and RIDs, and a=crypto keys). InvalidArgument
// when it is no SDP or an a=crypto line is not one we can use.
absl::Status AddSdpSources(absl::string_view sdp, SourceRules* rules);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_SOURCE_RULES_H_
