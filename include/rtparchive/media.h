// The media vocabulary of rtparchive: codecs, payload formats, kinds of
// media and the RTP header extensions it reads. Every stage of the library
// may use it; the Archive API (archive.h) is built on it.
#ifndef RTPARCHIVE_MEDIA_H_
#define RTPARCHIVE_MEDIA_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace rtparchive {

// The project's preferred video codec: VP8 gives .webm files, H.264 .mkv.
enum class VideoCodec { kVp8, kH264 };
enum class VideoType { kCamera, kScreen, kCustom };
enum class MediaKind { kAudio, kVideo };
// Payload formats rtparchive records (VP8, H.264, Opus), and the ones that
// wrap or repair them: RED (RFC 2198) carries the media in blocks, RTX
// (RFC 4588) retransmits it on its own SSRC, ULPFEC (RFC 5109) protects it.
enum class PayloadFormat { kVp8, kH264, kOpus, kRed, kRtx, kUlpfec };

struct PayloadTypeInfo {
  PayloadTypeInfo() = default;
  PayloadTypeInfo(PayloadFormat payload_format, int clock_rate)
      : format(payload_format), clock_rate_hz(clock_rate) {}

  PayloadFormat format = PayloadFormat::kVp8;
  int clock_rate_hz = 90000;
  // H.264: SPS and PPS NAL units given out of band (SDP sprop-parameter-sets),
  // used until the stream sends its own.
  std::vector<std::vector<uint8_t>> parameter_sets;
  // RTX: the payload type it retransmits (SDP fmtp apt=).
  int associated_payload_type = -1;
};

// The archive's video codec, given the payload formats its publishers send
// (or offer): VP8, the project's own, unless the video is H.264 only. Replay
// and the node both choose with this, so the same session gives the same
// kind of files either way.
VideoCodec ChooseVideoCodec(const std::vector<PayloadFormat>& formats);

// The kind of media a payload type carries; RED, RTX and ULPFEC wrap either
// kind, and are video when they run a 90 kHz clock.
MediaKind KindOf(const PayloadTypeInfo& format);

// RTP header extension URIs rtparchive reads (RFC 8285; mapped to IDs by the
// SDP's a=extmap lines).
inline constexpr char kVideoOrientationExtension[] = "urn:3gpp:video-orientation";
inline constexpr char kMidExtension[] = "urn:ietf:params:rtp-hdrext:sdes:mid";
// Transport-wide sequence numbers (draft-holmer-rmcat-transport-wide-cc-extensions-01):
// the node answers with congestion feedback for each one.
inline constexpr char kTransportCcExtension[] =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
// RFC 8852: the RID of a simulcast layer's packets, and of their RTX.
inline constexpr char kRtpStreamIdExtension[] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr char kRepairedRtpStreamIdExtension[] =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

const char* ToString(VideoType type);
const char* ToString(PayloadFormat format);
std::optional<VideoType> ParseVideoType(absl::string_view text);

}  // namespace rtparchive

#endif  // RTPARCHIVE_MEDIA_H_
