#include "sdp/sdp_file.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "base/text_file.h"

namespace rtparchive::sdp {
namespace {

// RFC 8866 lines are "<type>=<value>"; splits an attribute's "<first> <rest>".
std::pair<absl::string_view, absl::string_view> SplitFirstWord(absl::string_view text) {
  return absl::StrSplit(text, absl::MaxSplits(' ', 1));
}

std::optional<PayloadFormat> FormatOf(absl::string_view encoding_name) {
  const std::string name = absl::AsciiStrToLower(encoding_name);
  if (name == "vp8") return PayloadFormat::kVp8;
  if (name == "h264") return PayloadFormat::kH264;
  if (name == "opus") return PayloadFormat::kOpus;
  if (name == "red") return PayloadFormat::kRed;
  if (name == "rtx") return PayloadFormat::kRtx;
  if (name == "ulpfec") return PayloadFormat::kUlpfec;
  return std::nullopt;
}

// a=rtpmap:<pt> <name>/<rate>[/<channels>]
void ReadRtpmap(absl::string_view value, std::map<int, PayloadTypeInfo>* formats) {
  auto [number, encoding] = SplitFirstWord(value);
  std::vector<absl::string_view> parts = absl::StrSplit(encoding, '/');
  int payload_type = -1, rate = 0;
  if (!absl::SimpleAtoi(number, &payload_type) || payload_type < 0 || payload_type > 127 ||
      parts.size() < 2 || !absl::SimpleAtoi(parts[1], &rate) || rate <= 0) {
    return;
  }
  if (std::optional<PayloadFormat> format = FormatOf(parts[0])) {
    (*formats)[payload_type] = PayloadTypeInfo(*format, rate);
  }
}

// a=ssrc:<ssrc> <attribute>[:<value>]
void ReadSsrc(absl::string_view value, SdpMediaSection* section) {
  auto [number, attribute] = SplitFirstWord(value);
  uint32_t ssrc = 0;
  if (!absl::SimpleAtoi(number, &ssrc)) return;
  if (std::find(section->ssrcs.begin(), section->ssrcs.end(), ssrc) == section->ssrcs.end()) {
    section->ssrcs.push_back(ssrc);
  }
  if (absl::ConsumePrefix(&attribute, "cname:") && section->cname.empty()) {
    section->cname = std::string(attribute);
  } else if (absl::ConsumePrefix(&attribute, "msid:") && section->msid_track.empty()) {
    auto [stream, track] = SplitFirstWord(attribute);
    section->msid_stream = std::string(stream);
    section->msid_track = std::string(track);
  }
}

// a=ssrc-group:FID <media ssrc> <rtx ssrc> (RFC 5576 §4.2, RFC 4588 §8.1)
// a=ssrc-group:SIM <ssrc> <ssrc> ... (simulcast layers, lowest first)
void ReadSsrcGroup(absl::string_view value, SdpMediaSection* section) {
  if (absl::ConsumePrefix(&value, "SIM ")) {
    for (absl::string_view number : absl::StrSplit(value, ' ', absl::SkipEmpty())) {
      uint32_t ssrc = 0;
      // A media section has a few layers; more is not a browser's SDP.
      if (absl::SimpleAtoi(number, &ssrc) && section->simulcast_ssrcs.size() < 16) {
        section->simulcast_ssrcs.push_back(ssrc);
      }
    }
    return;
  }
  if (!absl::ConsumePrefix(&value, "FID ")) return;
  std::vector<absl::string_view> ssrcs = absl::StrSplit(value, ' ', absl::SkipEmpty());
  uint32_t media = 0, rtx = 0;
  if (ssrcs.size() == 2 && absl::SimpleAtoi(ssrcs[0], &media) && absl::SimpleAtoi(ssrcs[1], &rtx)) {
    section->rtx_ssrcs[rtx] = media;
  }
}

// a=extmap:<id>[/<direction>] <uri> [<attributes>]
void ReadExtmap(absl::string_view value, std::map<int, std::string>* extensions) {
  auto [id_part, rest] = SplitFirstWord(value);
  id_part = id_part.substr(0, id_part.find('/'));
  int id = 0;
  if (!absl::SimpleAtoi(id_part, &id) || id < 1 || id > 255) return;
  (*extensions)[id] = std::string(SplitFirstWord(rest).first);
}

}  // namespace

std::map<int, PayloadTypeInfo> SessionDescription::PayloadTypes() const {
  std::map<int, PayloadTypeInfo> all;
  for (const SdpMediaSection& section : media) {
    for (const auto& [payload_type, format] : section.payload_types) all[payload_type] = format;
  }
  return all;
}

absl::StatusOr<SessionDescription> ParseSdp(absl::string_view sdp) {
  SessionDescription description;
  std::map<int, std::string> session_extensions;
  std::vector<std::map<int, std::string>> fmtp;  // per section
  for (absl::string_view line : absl::StrSplit(sdp, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, "m=")) {
      description.media.emplace_back();
      description.media.back().kind = std::string(SplitFirstWord(line).first);
      description.media.back().header_extensions = session_extensions;
      fmtp.emplace_back();
      continue;
    }
    if (!absl::ConsumePrefix(&line, "a=")) continue;
    if (description.media.empty()) {
      if (absl::ConsumePrefix(&line, "extmap:")) ReadExtmap(line, &session_extensions);
      continue;
    }
    SdpMediaSection& section = description.media.back();
    if (absl::ConsumePrefix(&line, "rtpmap:")) {
      ReadRtpmap(line, &section.payload_types);
    } else if (absl::ConsumePrefix(&line, "fmtp:")) {
      auto [number, parameters] = SplitFirstWord(line);
      int payload_type = -1;
      if (absl::SimpleAtoi(number, &payload_type)) fmtp.back()[payload_type] = std::string(parameters);
    } else if (absl::ConsumePrefix(&line, "ssrc:")) {
      ReadSsrc(line, &section);
    } else if (absl::ConsumePrefix(&line, "ssrc-group:")) {
      ReadSsrcGroup(line, &section);
    } else if (absl::ConsumePrefix(&line, "extmap:")) {
      ReadExtmap(line, &section.header_extensions);
    } else if (absl::ConsumePrefix(&line, "mid:")) {
      section.mid = std::string(line);
    } else if (absl::ConsumePrefix(&line, "crypto:")) {
      section.crypto.emplace_back(line);
    } else if (absl::ConsumePrefix(&line, "rid:")) {
      section.rids.emplace_back(SplitFirstWord(line).first);
    } else if (absl::ConsumePrefix(&line, "msid:")) {
      auto [stream, track] = SplitFirstWord(line);
      section.msid_stream = std::string(stream);
      section.msid_track = std::string(track);
    }
  }
  if (description.media.empty())
    return absl::InvalidArgumentError("the SDP has no m= line: is it a session description?");
  for (size_t i = 0; i < description.media.size(); ++i) {
    for (auto& [payload_type, info] : description.media[i].payload_types) {
      auto parameters = fmtp[i].find(payload_type);
      if (parameters == fmtp[i].end()) continue;
      if (info.format == PayloadFormat::kRtx) {
        for (absl::string_view parameter : absl::StrSplit(parameters->second, ';')) {
          parameter = absl::StripAsciiWhitespace(parameter);
          if (absl::ConsumePrefix(&parameter, "apt=")) {
            (void)absl::SimpleAtoi(parameter, &info.associated_payload_type);
          }
        }
      }
      if (info.format != PayloadFormat::kH264) continue;
      if (absl::Status status = ParseSpropParameterSets(parameters->second, &info.parameter_sets);
          !status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("payload type ", payload_type, ": ", status.message()));
      }
    }
  }
  return description;
}

absl::Status ParseSpropParameterSets(absl::string_view fmtp,
                                     std::vector<std::vector<uint8_t>>* parameter_sets) {
  for (absl::string_view parameter : absl::StrSplit(fmtp, ';')) {
    parameter = absl::StripAsciiWhitespace(parameter);
    if (!absl::ConsumePrefix(&parameter, "sprop-parameter-sets=")) continue;
    for (absl::string_view encoded : absl::StrSplit(parameter, ',', absl::SkipEmpty())) {
      std::string nal;
      if (!absl::Base64Unescape(encoded, &nal) || nal.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("sprop-parameter-sets value '", encoded, "' is not base64"));
      }
      parameter_sets->emplace_back(nal.begin(), nal.end());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SessionDescription> ReadSdpFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto text, ReadTextFile(path, "SDP file"));
  auto parsed = ParseSdp(text);
  if (!parsed.ok()) return PrefixWithPath(path, parsed.status());
  return parsed;
}

}  // namespace rtparchive::sdp
