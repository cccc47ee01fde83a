// Reads what replay needs from an SDP session description (RFC 8866), as a
// browser or media server writes it for a publisher:
// - each payload type's codec and clock rate (a=rtpmap), including RED,
//   RTX with the payload type it retransmits (a=fmtp apt=) and ULPFEC, and
//   H.264 parameter sets given out of band (sprop-parameter-sets, RFC 6184
//   §8.1);
// - per media section: its mid (RFC 8843), track identity (a=msid, RFC
//   8830), header extension IDs (a=extmap, RFC 8285), SSRCs with their
//   CNAME (a=ssrc, RFC 5576), RTX SSRC pairs (a=ssrc-group:FID) and
//   simulcast layers' SSRCs (a=ssrc-group:SIM, as browsers wrote simulcast
//   before RIDs).
// Payload types of codecs rtparchive does not record are left out.
#ifndef RTPARCHIVE_SDP_SDP_FILE_H_
#define RTPARCHIVE_SDP_SDP_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rtparchive/media.h"

namespace rtparchive::sdp {

struct SdpMediaSection {
  std::string kind;  // the m= line's media: "audio", "video", ...
  std::string mid;
  std::vector<std::string> rids;  // a=rid:<id> (RFC 8851)
  std::vector<std::string> crypto;  // a=crypto values (SDES keys, RFC 4568), as written
  std::string msid_stream;  // a=msid:<stream> <track>; "-" when the track has no stream
  std::string msid_track;
  std::map<int, PayloadTypeInfo> payload_types;
  std::map<int, std::string> header_extensions;  // ID -> URI, session-level ones included
  std::vector<uint32_t> ssrcs;                   // every a=ssrc, RTX ones included
  std::map<uint32_t, uint32_t> rtx_ssrcs;        // FID: RTX SSRC -> media SSRC
  std::vector<uint32_t> simulcast_ssrcs;         // SIM: the layers' SSRCs (RFC 5576 §4.3 use)
  std::string cname;
};

struct SessionDescription {
  std::vector<SdpMediaSection> media;
  // Every section's payload types (a later section's win on a clash).
  std::map<int, PayloadTypeInfo> PayloadTypes() const;
};

// InvalidArgument when it has no m= line or an sprop-parameter-sets value
// is not base64.
absl::StatusOr<SessionDescription> ParseSdp(absl::string_view sdp);
absl::StatusOr<SessionDescription> ReadSdpFile(const std::string& path);

// Appends the NAL units of an fmtp line's sprop-parameter-sets (RFC 6184
// §8.1) to `parameter_sets`; InvalidArgument when a value is not base64.
absl::Status ParseSpropParameterSets(absl::string_view fmtp,
                                     std::vector<std::vector<uint8_t>>* parameter_sets);

}  // namespace rtparchive::sdp

#endif  // RTPARCHIVE_SDP_SDP_FILE_H_
