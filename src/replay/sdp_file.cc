#include "replay/sdp_file.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/text_file.h"

namespace rtparchive::replay {

absl::StatusOr<std::map<int, PayloadTypeInfo>> ParseSdp(absl::string_view sdp) {
  std::map<int, PayloadTypeInfo> formats;
  std::map<int, std::string> fmtp;
  bool has_media = false;
  for (absl::string_view line : absl::StrSplit(sdp, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (absl::StartsWith(line, "m=")) has_media = true;
    // a=rtpmap:<pt> <name>/<rate>[/<channels>]
    if (absl::ConsumePrefix(&line, "a=rtpmap:")) {
      std::pair<absl::string_view, absl::string_view> parts =
          absl::StrSplit(line, absl::MaxSplits(' ', 1));
      std::vector<absl::string_view> encoding = absl::StrSplit(parts.second, '/');
      int payload_type = -1, rate = 0;
      if (!absl::SimpleAtoi(parts.first, &payload_type) || payload_type < 0 || payload_type > 127 ||
          encoding.size() < 2 || !absl::SimpleAtoi(encoding[1], &rate) || rate <= 0) {
        continue;
      }
      const std::string name = absl::AsciiStrToLower(encoding[0]);
      if (name == "vp8") formats[payload_type] = PayloadTypeInfo(PayloadFormat::kVp8, rate);
      if (name == "h264") formats[payload_type] = PayloadTypeInfo(PayloadFormat::kH264, rate);
      if (name == "opus") formats[payload_type] = PayloadTypeInfo(PayloadFormat::kOpus, rate);
    } else if (absl::ConsumePrefix(&line, "a=fmtp:")) {
      std::pair<absl::string_view, absl::string_view> parts =
          absl::StrSplit(line, absl::MaxSplits(' ', 1));
      int payload_type = -1;
      if (absl::SimpleAtoi(parts.first, &payload_type))
        fmtp[payload_type] = std::string(parts.second);
    }
  }
  if (!has_media)
    return absl::InvalidArgumentError("the SDP has no m= line: is it a session description?");
  for (auto& [payload_type, info] : formats) {
    if (info.format != PayloadFormat::kH264 || !fmtp.count(payload_type)) continue;
    if (absl::Status status = ParseSpropParameterSets(fmtp[payload_type], &info.parameter_sets);
        !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload type ", payload_type, ": ", status.message()));
    }
  }
  return formats;
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

absl::StatusOr<std::map<int, PayloadTypeInfo>> ReadSdpFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path, "SDP file");
  if (!text.ok()) return text.status();
  auto parsed = ParseSdp(*text);
  if (!parsed.ok()) return PrefixWithPath(path, parsed.status());
  return parsed;
}

}  // namespace rtparchive::replay
