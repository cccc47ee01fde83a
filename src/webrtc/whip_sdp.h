// The SDP of a WHIP publish (RFC 9725): the publisher's offer as the node
// reads it, and the answer the node gives as an ICE-lite, DTLS-passive,
// receive-only endpoint on one UDP port for every media section (BUNDLE,
// rtcp-mux). The answer keeps one recordable codec per section (the
// recording archive's video codec when offered, else VP8, else H.264, as
// replay chooses; Opus for audio) with its RTX, the
// header extensions the recorder reads, NACK/PLI and transport-cc feedback.
// Simulcast offered (a=rid ... send) is taken: every layer comes, and the
// recorder writes the one the stream's `layer` chooses.
#ifndef RTPARCHIVE_WEBRTC_WHIP_SDP_H_
#define RTPARCHIVE_WEBRTC_WHIP_SDP_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rtparchive/media.h"

namespace rtparchive::webrtc {

struct OfferedCodec {
  int payload_type = 0;
  std::string name;  // "VP8", "H264", "opus", "rtx", ...
  int clock_rate = 0;
  std::string channels;  // "2" for opus, else empty
  std::string fmtp;      // the a=fmtp parameters, as written
  std::vector<std::string> feedback;  // a=rtcp-fb values ("nack", "nack pli", ...)
};

struct OfferedSection {
  std::string kind;  // "audio", "video", "application"
  std::string protocol;
  std::string mid;
  std::string direction = "sendrecv";
  std::vector<OfferedCodec> codecs;  // in the m= line's order
  std::map<int, std::string> extensions;  // a=extmap ID -> URI
  bool rtcp_rsize = false;
  std::vector<std::string> ssrc_lines;  // a=ssrc and a=ssrc-group values
  std::vector<std::string> send_rids;   // simulcast layers offered (a=rid:ID send), in order
};

struct Offer {
  std::string ice_ufrag, ice_pwd;
  std::string fingerprint;  // "sha-256 AB:..." (session or first section)
  std::string setup;        // "actpass", "active" or "passive"
  std::vector<OfferedSection> sections;
};

// InvalidArgument saying what is missing: no media section, no ICE
// credentials, no DTLS fingerprint.
absl::StatusOr<Offer> ParseOffer(absl::string_view sdp);

struct AnswerParameters {
  std::string ice_ufrag, ice_pwd;  // the node's, for this publisher
  std::string fingerprint;         // the node's certificate ("sha-256 ...")
  std::string address;             // the node's media address (its host candidate)
  int port = 0;
  // The video codec of the archive the publisher joins, chosen when offered.
  std::optional<VideoCodec> archive_video;
};

// FailedPrecondition (answer 422) when no section has a codec the node
// records, or the offer wants the node to be the DTLS client (setup passive).
absl::StatusOr<std::string> BuildAnswer(const Offer& offer, const AnswerParameters& parameters);

}  // namespace rtparchive::webrtc

#endif  // RTPARCHIVE_WEBRTC_WHIP_SDP_H_
