// Finds a capture's publishers from their SDPs, as a browser or media
// server describes them: each discovered SSRC is matched to a media section
// by its a=ssrc lines (RTX SSRCs included), else by the mid header
// extension in its packets (for sections without a=ssrc lines). A matched track takes the section's payload
// types (RED, RTX, ULPFEC too), header extension IDs and RTX pairs, and its
// stream key comes from the section's a=msid: the MediaStream ID when it
// has one, else the track IDs of the whole description. A reconnect brings
// new SSRCs, a new 5-tuple and a new CNAME but keeps the track IDs, so its
// SDP (given with a second --sdp) leads to the same stream.
#ifndef RTPARCHIVE_REPLAY_SDP_STREAMS_H_
#define RTPARCHIVE_REPLAY_SDP_STREAMS_H_

#include <set>
#include <vector>

#include "sdp/sdp_file.h"
#include "replay/stream_discovery.h"

namespace rtparchive::replay {

// The IDs the descriptions give the mid header extension.
std::set<int> MidExtensionIds(const std::vector<sdp::SessionDescription>& descriptions);

// Applies the descriptions to the discovered tracks and regroups them into
// streams. Tracks no section describes keep what discovery found.
void ApplySdp(const std::vector<sdp::SessionDescription>& descriptions, Discovery* discovery);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_SDP_STREAMS_H_
