#include "cli/help_text.h"

#include <algorithm>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rtparchive::cli {

const char kUsage[] =
    "records RTP packet captures as individual stream archives.\n\n"
    "Usage:\n"
    "  rtparchive replay CAPTURE -o ARCHIVE.zip [--session FILE.json] [--events FILE.json]\n"
    "                    [--sdp FILE.sdp ...] [--layer high|low|RID] [--srtp_key KEY ...] [--key_log FILE]\n"
    "  rtparchive verify ARCHIVE.zip\n"
    "  rtparchive inspect ARCHIVE.zip [--json] [--timeline out.svg]\n"
    "  rtparchive recover ARCHIVE.zip.parts -o ARCHIVE.zip\n"
    "  rtparchive serve --config NODE.json\n"
    "  rtparchive upload ARCHIVE.zip s3://BUCKET/KEY [--endpoint URL] [--region R] [--sse AES256]\n"
    "  rtparchive upload ARCHIVE.zip azure://CONTAINER/BLOB\n\n"
    "Reads a pcap or pcapng capture of VP8 or H.264 video and Opus audio over RTP\n"
    "(also inside RED, repaired by RTX) and writes a ZIP with one .webm (.mkv for\n"
    "H.264) file per stream segment and a JSON manifest, without re-encoding.\n"
    "Streams are found by SSRC; audio and video of one publisher are paired by RTCP\n"
    "CNAME, else by their shared addresses. --sdp takes the publishers' SDPs\n"
    "(a=ssrc, FID, SIM, msid, mid, rid, extmap, RED/RTX/ULPFEC types); --session names\n"
    "streams explicitly; --events adds and removes them over time (manual stream mode).\n"
    "A simulcast publisher's layers are one video track: --layer picks the one written\n"
    "(default the largest being sent), switching at keyframes. Times are the capture's.\n\n"
    "verify checks an archive as consumers read it (ZIP, manifest schema, sizes, each\n"
    "file parsed by libwebm: codecs, rising timestamps, duration, Cues) and prints one\n"
    "line per problem. inspect summarises streams, segments, offsets, codecs, sizes,\n"
    "frame counts and gaps. recover finalises the working folder a recording left\n"
    "behind when it was killed or failed (disk full): the segment files up to their\n"
    "last flush (at most a few seconds lost), with the manifest from its journal.\n"
    "serve runs a recording node: the archive REST API of the platform's documents and\n"
    "of its server SDKs, live RTP over UDP, WHIP publishers, status callbacks (see the\n"
    "README). With SSLKEYLOGFILE set, it appends the DTLS master secrets of WHIP\n"
    "publishers there, so that a capture of their media replays with --key_log.\n"
    "upload sends an archive to S3, an S3-compatible store or Azure Blob storage (large\n"
    "ones in parallel parts, retried) with the standard AWS_* variables or\n"
    "AZURE_STORAGE_CONNECTION_STRING, and exits 0 only once the store confirmed it.\n"
    "--version prints the version and the libraries it was built with.\n\n"
    "Exit status: 0 done; 1 failed (replay: no archive; verify: problems found);\n"
    "2 bad usage; 3 replay wrote the archive, but the capture ends in the middle of a record.";
namespace {

constexpr size_t kWidth = 80;
constexpr char kIndent[] = "      ";

// `text` in lines of at most kWidth columns, each after kIndent.
std::string Wrapped(absl::string_view text) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && sizeof(kIndent) - 1 + line.size() + 1 + word.size() > kWidth) {
      absl::StrAppend(&out, kIndent, line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, kIndent, line, "\n");
  return out;
}

}  // namespace

std::string HelpText(absl::string_view usage) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Abseil's own flags (--helpfull, --flagfile...) are listed by --helpfull.
    if (absl::StrContains(flag->Filename(), "src/cli/")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
    return a->Name() < b->Name();
  });
  std::string text = absl::StrCat(absl::StripTrailingAsciiWhitespace(usage), "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    std::string value = flag->DefaultValue();
    if (flag->IsOfType<std::string>()) value = absl::StrCat("\"", value, "\"");
    if (value.empty()) value = "none";
    absl::StrAppend(&text, "  --", flag->Name(), " (default: ", value, ")\n", Wrapped(flag->Help()));
  }
  absl::StrAppend(&text, "\n--helpfull lists Abseil's own flags too (--flagfile, --fromenv...).\n");
  return text;
}

}  // namespace rtparchive::cli
