#include "webrtc/whip_sdp.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rtparchive/media.h"

namespace rtparchive::webrtc {
namespace {

constexpr size_t kMaxSections = 16;
constexpr size_t kMaxRids = 8;

// RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"); it is echoed in the answer.
bool IsRid(absl::string_view rid) {
  return !rid.empty() && rid.size() <= 32 && std::all_of(rid.begin(), rid.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::pair<absl::string_view, absl::string_view> FirstWord(absl::string_view text) {
  const size_t space = text.find(' ');
  if (space == absl::string_view::npos) return {text, {}};
  return {text.substr(0, space), absl::StripLeadingAsciiWhitespace(text.substr(space + 1))};
}

OfferedCodec* CodecOf(OfferedSection& section, absl::string_view number) {
  int payload_type = -1;
  if (!absl::SimpleAtoi(number, &payload_type)) return nullptr;
  for (OfferedCodec& codec : section.codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

// a=rtpmap:<pt> <name>/<clock>[/<channels>]
void ReadRtpmap(absl::string_view value, OfferedSection* section) {
  auto [number, encoding] = FirstWord(value);
  OfferedCodec* codec = CodecOf(*section, number);
  if (codec == nullptr) return;
  // (A missing encoding is an empty view with no data: StrSplit gives no part.)
  std::vector<std::string> parts = absl::StrSplit(encoding, '/');
  if (parts.empty()) return;
  codec->name = parts[0];
  if (parts.size() > 1) (void)absl::SimpleAtoi(parts[1], &codec->clock_rate);
  if (parts.size() > 2) codec->channels = parts[2];
}

bool Named(const OfferedCodec& codec, absl::string_view name) {
  return absl::EqualsIgnoreCase(codec.name, name);
}

// The fmtp parameter `name`'s value, or "".
std::string Parameter(const OfferedCodec& codec, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(codec.fmtp, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    if (absl::ConsumePrefix(&pair, name) && absl::ConsumePrefix(&pair, "=")) return std::string(pair);
  }
  return "";
}

// The codec the node records from `section`: the archive's when offered,
// else by the project's choice.
const OfferedCodec* Chosen(const OfferedSection& section, std::optional<VideoCodec> archive_video) {
  if (section.kind == "audio") {
    for (const OfferedCodec& codec : section.codecs) {
      if (Named(codec, "opus") && codec.clock_rate == 48000) return &codec;
    }
    return nullptr;
  }
  if (section.kind != "video") return nullptr;
  std::vector<PayloadFormat> offered;
  for (const OfferedCodec& codec : section.codecs) {
    if (Named(codec, "VP8")) offered.push_back(PayloadFormat::kVp8);
    if (Named(codec, "H264")) offered.push_back(PayloadFormat::kH264);
  }
  if (offered.empty()) return nullptr;
  const PayloadFormat archive_format =
      archive_video == VideoCodec::kH264 ? PayloadFormat::kH264 : PayloadFormat::kVp8;
  const bool vp8 = archive_video && std::count(offered.begin(), offered.end(), archive_format)
                       ? archive_format == PayloadFormat::kVp8
                       : ChooseVideoCodec(offered) == VideoCodec::kVp8;
  // H.264: packetization-mode 1 when offered (FU-A and STAP-A), else what
  // is offered (mode 0, single NAL units: a sender whose caps are not
  // complete yet may leave the parameter out). The recorder reads both.
  const OfferedCodec* h264 = nullptr;
  for (const OfferedCodec& codec : section.codecs) {
    if (vp8 && Named(codec, "VP8")) return &codec;
    if (!vp8 && Named(codec, "H264") &&
        (h264 == nullptr || (Parameter(codec, "packetization-mode") == "1" &&
                             Parameter(*h264, "packetization-mode") != "1"))) {
      h264 = &codec;
    }
  }
  return h264;
}

void AppendCodec(const OfferedCodec& codec, bool feedback, std::string* sdp) {
  absl::StrAppend(sdp, "a=rtpmap:", codec.payload_type, " ", codec.name, "/", codec.clock_rate,
                  codec.channels.empty() ? "" : "/", codec.channels, "\r\n");
  if (!codec.fmtp.empty()) absl::StrAppend(sdp, "a=fmtp:", codec.payload_type, " ", codec.fmtp, "\r\n");
  if (!feedback) return;
  // The node asks for retransmissions and keyframes and gives
  // transport-wide congestion feedback; goog-remb (the older receiver-side
  // estimate) is left out.
  for (const std::string& kind : codec.feedback) {
    if (kind == "nack" || kind == "nack pli" || kind == "transport-cc") {
      absl::StrAppend(sdp, "a=rtcp-fb:", codec.payload_type, " ", kind, "\r\n");
    }
  }
}

}  // namespace

absl::StatusOr<Offer> ParseOffer(absl::string_view sdp) {
  Offer offer;
  std::string session_ufrag, session_pwd, session_fingerprint, session_setup;
  for (absl::string_view line : absl::StrSplit(sdp, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "m=")) {
      if (offer.sections.size() >= kMaxSections) {
        return absl::InvalidArgumentError(absl::StrCat("over ", kMaxSections, " media sections"));
      }
      std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      OfferedSection section;
      if (fields.size() >= 3) {
        section.kind = std::string(fields[0]);
        section.protocol = std::string(fields[2]);
        for (size_t i = 3; i < fields.size(); ++i) {
          int payload_type = -1;
          if (absl::SimpleAtoi(fields[i], &payload_type) && payload_type >= 0 && payload_type < 128) {
            section.codecs.push_back({payload_type, "", 0, "", "", {}});
          }
        }
      }
      offer.sections.push_back(std::move(section));
      continue;
    }
    if (!absl::ConsumePrefix(&line, "a=")) continue;
    auto [attribute, value] = [&] {
      const size_t colon = line.find(':');
      return colon == absl::string_view::npos
                 ? std::pair<absl::string_view, absl::string_view>{line, {}}
                 : std::pair<absl::string_view, absl::string_view>{line.substr(0, colon), line.substr(colon + 1)};
    }();
    const bool session_level = offer.sections.empty();
    if (attribute == "ice-ufrag") (session_level ? session_ufrag : offer.ice_ufrag) = std::string(value);
    if (attribute == "ice-pwd") (session_level ? session_pwd : offer.ice_pwd) = std::string(value);
    if (attribute == "fingerprint") (session_level ? session_fingerprint : offer.fingerprint) = std::string(value);
    if (attribute == "setup") (session_level ? session_setup : offer.setup) = std::string(value);
    if (session_level) continue;
    OfferedSection& section = offer.sections.back();
    if (attribute == "mid") {
      section.mid = std::string(value);
    } else if (attribute == "sendonly" || attribute == "sendrecv" || attribute == "recvonly" ||
               attribute == "inactive") {
      section.direction = std::string(attribute);
    } else if (attribute == "rtpmap") {
      ReadRtpmap(value, &section);
    } else if (attribute == "fmtp") {
      auto [number, parameters] = FirstWord(value);
      if (OfferedCodec* codec = CodecOf(section, number)) codec->fmtp = std::string(parameters);
    } else if (attribute == "rtcp-fb") {
      auto [number, kind] = FirstWord(value);
      if (OfferedCodec* codec = CodecOf(section, number)) codec->feedback.emplace_back(kind);
    } else if (attribute == "extmap") {
      auto [id_part, uri] = FirstWord(value);
      int id = 0;
      if (absl::SimpleAtoi(id_part.substr(0, id_part.find('/')), &id) && id > 0 && id < 256) {
        section.extensions[id] = std::string(FirstWord(uri).first);
      }
    } else if (attribute == "rtcp-rsize") {
      section.rtcp_rsize = true;
    } else if (attribute == "rid") {
      auto [rid, rest] = FirstWord(value);
      if (IsRid(rid) && FirstWord(rest).first == "send" && section.send_rids.size() < kMaxRids) {
        section.send_rids.emplace_back(rid);
      }
    } else if (attribute == "ssrc" || attribute == "ssrc-group") {
      section.ssrc_lines.push_back(absl::StrCat(attribute, ":", value));
    }
  }
  // Section-level attributes win; BUNDLE peers repeat them in each section.
  if (offer.ice_ufrag.empty()) offer.ice_ufrag = session_ufrag;
  if (offer.ice_pwd.empty()) offer.ice_pwd = session_pwd;
  if (offer.fingerprint.empty()) offer.fingerprint = session_fingerprint;
  if (offer.setup.empty()) offer.setup = session_setup.empty() ? "actpass" : session_setup;
  if (offer.sections.empty()) return absl::InvalidArgumentError("the offer has no media section (m=)");
  if (offer.ice_ufrag.empty() || offer.ice_pwd.empty()) {
    return absl::InvalidArgumentError("the offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)");
  }
  if (offer.fingerprint.empty()) {
    return absl::InvalidArgumentError("the offer has no DTLS fingerprint (a=fingerprint)");
  }
  return offer;
}

absl::StatusOr<std::string> BuildAnswer(const Offer& offer, const AnswerParameters& parameters) {
  if (offer.setup == "passive") {
    return absl::FailedPreconditionError(
        "the offer asks the node to open DTLS (a=setup:passive); the node is the DTLS server: "
        "offer actpass or active");
  }
  std::vector<std::string> bundle;
  std::string media;
  for (const OfferedSection& section : offer.sections) {
    const OfferedCodec* chosen =
        section.direction == "sendonly" || section.direction == "sendrecv" ? Chosen(section, parameters.archive_video)
                                                               : nullptr;
    if (chosen == nullptr) {  // rejected: port 0, as RFC 3264 §6 has it
      // With the transport lines still: some stacks (webrtcbin) read them
      // from every section.
      absl::StrAppend(&media, "m=", section.kind, " 0 ", section.protocol, " ",
                      section.codecs.empty() ? 0 : section.codecs[0].payload_type, "\r\n",
                      "c=IN IP4 0.0.0.0\r\na=mid:", section.mid, "\r\na=inactive\r\na=ice-ufrag:",
                      parameters.ice_ufrag, "\r\na=ice-pwd:", parameters.ice_pwd,
                      "\r\na=fingerprint:", parameters.fingerprint, "\r\na=setup:passive\r\n");
      continue;
    }
    std::vector<const OfferedCodec*> kept = {chosen};
    for (const OfferedCodec& codec : section.codecs) {
      if (Named(codec, "rtx") && Parameter(codec, "apt") == absl::StrCat(chosen->payload_type)) {
        kept.push_back(&codec);
      }
    }
    std::vector<std::string> numbers;
    for (const OfferedCodec* codec : kept) numbers.push_back(absl::StrCat(codec->payload_type));
    bundle.push_back(section.mid);
    const char* family = parameters.address.find(':') != std::string::npos ? "IP6" : "IP4";
    absl::StrAppend(&media, "m=", section.kind, " ", parameters.port, " UDP/TLS/RTP/SAVPF ",
                    absl::StrJoin(numbers, " "), "\r\n", "c=IN ", family, " ", parameters.address,
                    "\r\n", "a=mid:", section.mid, "\r\na=recvonly\r\na=rtcp-mux\r\n",
                    section.rtcp_rsize ? "a=rtcp-rsize\r\n" : "", "a=ice-ufrag:", parameters.ice_ufrag,
                    "\r\na=ice-pwd:", parameters.ice_pwd, "\r\na=fingerprint:", parameters.fingerprint,
                    "\r\na=setup:passive\r\n");
    for (const OfferedCodec* codec : kept) AppendCodec(*codec, codec == chosen, &media);
    for (const auto& [id, uri] : section.extensions) {
      if (uri == kMidExtension || uri == kRtpStreamIdExtension || uri == kRepairedRtpStreamIdExtension ||
          uri == kVideoOrientationExtension || uri == kTransportCcExtension) {
        absl::StrAppend(&media, "a=extmap:", id, " ", uri, "\r\n");
      }
    }
    if (!section.send_rids.empty()) {
      for (const std::string& rid : section.send_rids) absl::StrAppend(&media, "a=rid:", rid, " recv\r\n");
      absl::StrAppend(&media, "a=simulcast:recv ", absl::StrJoin(section.send_rids, ";"), "\r\n");
    }
    absl::StrAppend(&media, "a=candidate:1 1 udp 2130706431 ", parameters.address, " ",
                    parameters.port, " typ host\r\na=end-of-candidates\r\n");
  }
  if (bundle.empty()) {
    return absl::FailedPreconditionError(
        "the offer sends no codec the node records: offer VP8 or H.264 video, or Opus audio, "
        "with sendonly or sendrecv");
  }
  return absl::StrCat("v=0\r\no=rtparchive 1 1 IN IP4 ", parameters.address,
                      "\r\ns=-\r\nt=0 0\r\na=ice-lite\r\na=group:BUNDLE ", absl::StrJoin(bundle, " "),
                      "\r\n", media);
}

}  // namespace rtparchive::webrtc
