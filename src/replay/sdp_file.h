// Reads what replay needs from an SDP session description (RFC 8866): each
// payload type's codec and clock rate (a=rtpmap) and, for H.264, the
// parameter sets given out of band (a=fmtp sprop-parameter-sets, RFC 6184
// §8.1). Payload types of codecs rtparchive does not record are left out.
#ifndef RTPARCHIVE_REPLAY_SDP_FILE_H_
#define RTPARCHIVE_REPLAY_SDP_FILE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rtparchive/archive.h"

namespace rtparchive::replay {

// InvalidArgument when it has no m= line or an sprop-parameter-sets value
// is not base64.
absl::StatusOr<std::map<int, PayloadTypeInfo>> ParseSdp(absl::string_view sdp);
absl::StatusOr<std::map<int, PayloadTypeInfo>> ReadSdpFile(const std::string& path);

// Appends the NAL units of an fmtp line's sprop-parameter-sets (RFC 6184
// §8.1) to `parameter_sets`; InvalidArgument when a value is not base64.
absl::Status ParseSpropParameterSets(absl::string_view fmtp,
                                     std::vector<std::vector<uint8_t>>* parameter_sets);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_SDP_FILE_H_
