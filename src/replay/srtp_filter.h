// Decrypts a capture's SRTP and SRTCP as it is read, with the keys a user
// gave (`--srtp_key`), the SDP held (a=crypto) or the capture's DTLS
// handshakes give with a key log (`--key_log`), so that stream discovery
// and recording see plain RTP. One filter per pass over the capture: each
// keeps libsrtp2's replay and rollover state for the packets in order.
#ifndef RTPARCHIVE_REPLAY_SRTP_FILTER_H_
#define RTPARCHIVE_REPLAY_SRTP_FILTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest/datagram.h"
#include "sdp/sdp_file.h"
#include "srtp/srtp_receiver.h"
#include "webrtc/dtls_key_log.h"

namespace rtparchive::replay {

// What a reading pass does to each datagram: false drops it.
using DatagramFilter = std::function<bool(ingest::Datagram* datagram)>;

struct SrtpCounts {
  int64_t decrypted = 0;
  int64_t not_authenticated = 0;  // under no key: dropped
  int64_t replayed = 0;           // an index already read or too old: dropped
  int64_t dtls_keyed = 0;         // DTLS handshakes whose keys the key log gave
  int64_t dtls_not_in_key_log = 0;
  int64_t dtls_without_key = 0;   // RTP/RTCP on a flow that carried DTLS, no key given: dropped
};

// The keys of `given` and of every a=crypto line of `sdps`; InvalidArgument
// naming the line that is not one.
absl::StatusOr<std::vector<srtp::SrtpKey>> CollectSrtpKeys(
    const std::vector<srtp::SrtpKey>& given, const std::vector<sdp::SessionDescription>& sdps);

// A filter that decrypts RTP and RTCP and passes other datagrams as they
// are; with `secrets`, the keys of each DTLS handshake it sees whose master
// secret is there are added as it goes. Without any key, plain RTP passes
// and the RTP of flows that carried DTLS (DTLS-SRTP) is dropped, counted.
// `counts` outlives it.
absl::StatusOr<DatagramFilter> MakeSrtpFilter(const std::vector<srtp::SrtpKey>& keys,
                                              const webrtc::MasterSecrets& secrets,
                                              SrtpCounts* counts);

}  // namespace rtparchive::replay

#endif  // RTPARCHIVE_REPLAY_SRTP_FILTER_H_
