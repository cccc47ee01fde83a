// StreamOptions from a publisher's SDP (the library's side of what replay's
// --sdp does per capture).
#include "base/status_macros.h"
#include "rtparchive/archive.h"
#include "sdp/sdp_file.h"

namespace rtparchive {

absl::Status DescribeStreamFromSdp(absl::string_view sdp, StreamOptions* stream) {
  ASSIGN_OR_RETURN(auto description, sdp::ParseSdp(sdp));
  stream->has_audio = stream->has_video = false;
  for (const sdp::SdpMediaSection& section : description.media) {
    if (section.kind == "audio") stream->has_audio = true;
    if (section.kind == "video") stream->has_video = true;
    for (const auto& [payload_type, format] : section.payload_types) {
      stream->payload_types[payload_type] = format;
    }
    stream->rtx_ssrcs.insert(section.rtx_ssrcs.begin(), section.rtx_ssrcs.end());
    stream->simulcast_ssrcs.insert(section.simulcast_ssrcs.begin(), section.simulcast_ssrcs.end());
    stream->header_extensions.insert(section.header_extensions.begin(),
                                     section.header_extensions.end());
  }
  return absl::OkStatus();
}

}  // namespace rtparchive
