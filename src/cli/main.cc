// rtparchive: the command line front door to librtparchive.
//
//   rtparchive replay CAPTURE.pcap -o ARCHIVE.zip [--session FILE.json] ...
//   rtparchive verify ARCHIVE.zip
//   rtparchive inspect ARCHIVE.zip [--json] [--timeline out.svg]
//
// Exit status: 0 done; 1 failed (replay: no archive; verify: problems found);
// 2 bad usage; 3 replay wrote the archive from a capture that ends mid-record.
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "cli/help_text.h"
#include "cli/inspect_output.h"
#include "cli/progress_bar.h"
#include "cli/upload_command.h"
#include "cli/summary.h"
#include "cli/version.h"
#include "inspect/archive_check.h"
#include "node/node.h"
#include "replay/replay.h"
#include "sdp/sdp_file.h"
#include "srtp/srtp_receiver.h"
#include "webrtc/dtls_key_log.h"

ABSL_FLAG(std::string, o, "", "replay, recover: the archive ZIP to write (required); its folder must exist");
ABSL_FLAG(std::string, session, "",
          "a session JSON file: archive fields, payload types and the streams to record "
          "(see the README); without it, streams are found in the capture");
ABSL_FLAG(std::string, events, "",
          "an events JSON file: when streams are added and removed (manual stream mode, see "
          "the README); without it, every stream is recorded throughout");
ABSL_FLAG(std::vector<std::string>, sdp, {},
          "the publishers' SDP files (repeat the flag, or separate with commas, for "
          "renegotiations and reconnects): payload types incl. RED/RTX/ULPFEC, "
          "sprop-parameter-sets, a=ssrc, a=ssrc-group:FID, a=msid, a=mid and a=extmap find "
          "the streams and their tracks; a session file's payloadTypes win over them");
ABSL_FLAG(std::vector<std::string>, srtp_key, {},
          "an SRTP master key and salt for an encrypted capture, as the inline key of an "
          "SDP a=crypto line: [SUITE:]BASE64 (suite AES_CM_128_HMAC_SHA1_80 unless named: "
          "AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80, AEAD_AES_128_GCM, "
          "AEAD_AES_256_GCM); repeat it for each sender's key. a=crypto lines of --sdp "
          "files are used too");
ABSL_FLAG(std::string, key_log, "",
          "a key log (the NSS format of SSLKEYLOGFILE: CLIENT_RANDOM lines) with the master "
          "secrets of the capture's DTLS-SRTP handshakes, such as 'rtparchive serve' writes "
          "when SSLKEYLOGFILE is set: each handshake's SRTP keys are derived from it (RFC "
          "5764); the capture must hold the handshake's hellos");
ABSL_FLAG(bool, wait_for_keyframe, true,
          "after a video packet loss, skip frames until the next keyframe (frames that "
          "reference a lost one decode as garbage); false writes every complete frame");
ABSL_FLAG(int, reorder_wait_ms, 200,
          "how long a missing packet is waited for before it counts as lost");
ABSL_FLAG(std::string, layer, "high",
          "simulcast publishers: the layer written, 'high' (the most pixels being sent), "
          "'low' (the fewest) or a RID such as 'h' (that layer while it is sent, else the "
          "highest); writing switches layers at keyframes only");
ABSL_FLAG(bool, progress, true, "show a progress bar on stderr when it is a terminal");
ABSL_FLAG(bool, json, false, "inspect: print the report as JSON");
ABSL_FLAG(std::string, timeline, "",
          "inspect: also draw each stream's segments and gaps into this SVG file");
ABSL_FLAG(bool, quiet, false, "print no summary, only errors");
ABSL_FLAG(std::string, endpoint, "",
          "upload: an S3-compatible service's URL (path-style), or the Azure Blob endpoint; default "
          "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, or the connection string's BlobEndpoint");
ABSL_FLAG(std::string, region, "", "upload: the S3 bucket's region; default AWS_REGION, else us-east-1");
ABSL_FLAG(std::string, sse, "", "upload: S3 server-side encryption, 'AES256'");
ABSL_FLAG(std::string, config, "",
          "serve: the node's JSON config file (listen address, credentials, media ports, "
          "storage, limits; see the README)");

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitTruncatedCapture = 3;

int Usage(const std::string& problem) {
  std::fprintf(stderr, "rtparchive: %s\nRun 'rtparchive --help' for usage.\n", problem.c_str());
  return kExitUsage;
}

// Abseil keeps only the last value of a repeated flag; this joins every
// `--name VALUE` / `--name=VALUE` into one comma-separated `--name=...`.
std::vector<char*> JoinRepeatedFlag(int argc, char** argv, const std::string& name,
                                    std::vector<std::string>* storage) {
  std::vector<std::string> values;
  std::vector<int> kept;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      for (; i < argc; ++i) kept.push_back(i);
      break;
    }
    const bool dashes = absl::StartsWith(arg, "--") || absl::StartsWith(arg, "-");
    const std::string bare = arg.substr(arg.find_first_not_of('-') == std::string::npos
                                            ? arg.size()
                                            : arg.find_first_not_of('-'));
    if (dashes && bare == name && i + 1 < argc) {
      values.push_back(argv[++i]);
    } else if (dashes && absl::StartsWith(bare, name + "=")) {
      values.push_back(bare.substr(name.size() + 1));
    } else {
      kept.push_back(i);
    }
  }
  storage->reserve(argc + 1);
  std::vector<char*> result;
  for (int i : kept) result.push_back(argv[i]);
  if (!values.empty()) {
    storage->push_back(absl::StrCat("--", name, "=", absl::StrJoin(values, ",")));
    result.insert(result.begin() + 1, storage->back().data());
  }
  return result;
}

int RunReplay(const std::string& capture) {
  rtparchive::replay::ReplayOptions options;
  options.capture_path = capture;
  options.output_path = absl::GetFlag(FLAGS_o);
  if (options.output_path.empty()) return Usage("replay needs -o ARCHIVE.zip");
  const int reorder_wait_ms = absl::GetFlag(FLAGS_reorder_wait_ms);
  if (reorder_wait_ms < 0 || reorder_wait_ms > 10000) {
    return Usage("--reorder_wait_ms must be 0-10000");
  }
  options.reorder_max_wait_us = int64_t{reorder_wait_ms} * 1000;
  options.wait_for_keyframe_after_loss = absl::GetFlag(FLAGS_wait_for_keyframe);
  options.layer = absl::GetFlag(FLAGS_layer);
  if (!rtparchive::IsValidLayerChoice(options.layer)) {
    return Usage("--layer must be high, low or a RID (letters, digits, '-' and '_', at most 255)");
  }
  // Loads an input file named by a flag into `target`; false after saying why.
  auto load = [](const std::string& path, auto read, auto* target) {
    if (path.empty()) return true;
    auto parsed = read(path);
    if (!parsed.ok()) {
      std::fprintf(stderr, "rtparchive: %s\n", std::string(parsed.status().message()).c_str());
      return false;
    }
    *target = std::move(*parsed);
    return true;
  };
  if (!load(absl::GetFlag(FLAGS_session), rtparchive::replay::ReadSessionFile, &options.session) ||
      !load(absl::GetFlag(FLAGS_events), rtparchive::replay::ReadEventsFile, &options.events) ||
      !load(absl::GetFlag(FLAGS_key_log), rtparchive::webrtc::ReadKeyLog, &options.key_log)) {
    return kExitFailed;
  }
  for (const std::string& path : absl::GetFlag(FLAGS_sdp)) {
    options.sdps.emplace_back();
    if (!load(path, rtparchive::sdp::ReadSdpFile, &options.sdps.back())) return kExitFailed;
  }
  for (const std::string& text : absl::GetFlag(FLAGS_srtp_key)) {
    auto key = rtparchive::srtp::ParseKeyArgument(text);
    if (!key.ok()) {
      std::fprintf(stderr, "rtparchive: --srtp_key: %s\n", std::string(key.status().message()).c_str());
      return kExitUsage;
    }
    options.srtp_keys.push_back(*std::move(key));
  }
  rtparchive::cli::ProgressBar progress(absl::GetFlag(FLAGS_progress));
  options.progress = [&progress](const char* phase, int64_t done, int64_t total) {
    progress.Update(phase, done, total);
  };
  options.log = [&progress](absl::string_view line) {
    progress.Clear();
    std::fprintf(stderr, "rtparchive: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  auto report = rtparchive::replay::Replay(options);
  progress.Clear();
  if (!report.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(report.status().message()).c_str());
    const std::string parts = options.output_path + ".parts";
    struct stat info;
    if (report.status().code() != absl::StatusCode::kAlreadyExists &&
        ::stat(parts.c_str(), &info) == 0) {
      std::fprintf(stderr,
                   "rtparchive: no archive was written; what was recorded is kept in '%s': once "
                   "the cause is fixed, finalise it with 'rtparchive recover %s -o %s'\n",
                   parts.c_str(), parts.c_str(), options.output_path.c_str());
    }
    return kExitFailed;
  }
  if (!absl::GetFlag(FLAGS_quiet)) {
    std::fputs(rtparchive::cli::FormatSummary(*report).c_str(), stdout);
  }
  if (!report->discovery.truncation.empty()) {
    std::fprintf(stderr,
                 "rtparchive: warning: %s; the archive holds everything before that point\n",
                 report->discovery.truncation.c_str());
    return kExitTruncatedCapture;
  }
  return kExitOk;
}

// Runs the recording node until SIGTERM or SIGINT, which stop and finalise
// every archive before it exits.
int RunServe() {
  const std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) return Usage("serve needs --config FILE");
  auto config = rtparchive::node::ReadNodeConfig(path);
  if (!config.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(config.status().message()).c_str());
    return kExitFailed;
  }
  if (const char* key_log = std::getenv("SSLKEYLOGFILE"); key_log != nullptr) config->dtls_key_log = key_log;
  // The signals are taken by a thread of ours, not by whichever thread
  // they happen to hit: block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto log = [](absl::string_view line) {
    std::fprintf(stderr, "rtparchive: %.*s\n", static_cast<int>(line.size()), line.data());
  };
  auto node = rtparchive::node::Node::Create(*config, log);
  if (!node.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(node.status().message()).c_str());
    return kExitFailed;
  }
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log(absl::StrCat("signal ", signal, ": stopping every archive"));
    (*node)->Shutdown();
  });
  log(absl::StrCat("serving the archive API on ", config->listen_host, ":", config->listen_port,
                   "; media on ", config->media_address, " ports ", config->media_port_min, "-",
                   config->media_port_max));
  (*node)->Serve();
  stopper.join();
  node->reset();  // delivers the callbacks still queued
  return kExitOk;
}

// Finalises a dead recorder's working folder.
int RunRecover(const std::string& working_folder) {
  const std::string output = absl::GetFlag(FLAGS_o);
  if (output.empty()) return Usage("recover needs -o ARCHIVE.zip");
  auto result = rtparchive::RecoverArchive(working_folder, output);
  if (!result.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(result.status().message()).c_str());
    return kExitFailed;
  }
  for (const std::string& warning : result->warnings) {
    std::fprintf(stderr, "rtparchive: %s\n", warning.c_str());
  }
  if (!absl::GetFlag(FLAGS_quiet)) {
    std::printf("Archive %s recovered, createdAt %lld, %zu files:\n", result->zip_path.c_str(),
                static_cast<long long>(result->created_at_ms), result->files.size());
    for (const rtparchive::FileResult& file : result->files) {
      std::printf("  %s (stream %s), %lld-%lld ms after createdAt\n", file.filename.c_str(),
                  file.stream_id.c_str(), static_cast<long long>(file.start_time_offset_ms),
                  static_cast<long long>(file.stop_time_offset_ms));
    }
    std::printf("The working folder '%s' is left as it was; delete it once the archive is "
                "checked.\n",
                working_folder.c_str());
  }
  return kExitOk;
}

// verify and inspect read the archive the same way.
int RunCheck(const std::string& command, const std::string& zip_path) {
  auto report = rtparchive::inspect::CheckArchive(zip_path);
  if (!report.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(report.status().message()).c_str());
    return kExitFailed;
  }
  if (command == "verify") {
    for (const std::string& problem : report->problems) std::printf("%s\n", problem.c_str());
    if (!report->problems.empty()) return kExitFailed;
    std::printf("%s: OK, %zu files\n", zip_path.c_str(), report->files.size());
    return kExitOk;
  }
  std::fputs(absl::GetFlag(FLAGS_json) ? rtparchive::cli::InspectJson(*report).c_str()
                                       : rtparchive::cli::FormatInspect(*report).c_str(),
             stdout);
  if (const std::string svg = absl::GetFlag(FLAGS_timeline); !svg.empty()) {
    FILE* file = std::fopen(svg.c_str(), "w");
    if (file == nullptr) {
      std::fprintf(stderr, "rtparchive: cannot write '%s'\n", svg.c_str());
      return kExitFailed;
    }
    std::fputs(rtparchive::cli::TimelineSvg(*report).c_str(), file);
    std::fclose(file);
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "src/cli/");
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  config.normalize_filename = [](absl::string_view file) {
    const size_t at = file.find("src/cli/");
    return std::string(at == absl::string_view::npos ? file : file.substr(at));
  };
  config.version_string = [] { return rtparchive::cli::VersionText(); };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(rtparchive::cli::kUsage);
  // Abseil exits 1 after --help; asking for help is not a failure here.
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "-help" || arg == "help") {
      std::cout << rtparchive::cli::HelpText(rtparchive::cli::kUsage);
      return kExitOk;
    }
  }
  // A file size limit (ulimit -f) must fail a write, not kill the process
  // before it can say which file and keep the segments for `recover`.
  std::signal(SIGXFSZ, SIG_IGN);
  // Debian's Abseil checks every lock for deadlock cycles, a debugging aid
  // that costs each packet's lock; the library's unit tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> joined_storage;
  std::vector<std::string> keys_storage;
  std::vector<char*> with_sdps = JoinRepeatedFlag(argc, argv, "sdp", &joined_storage);
  std::vector<char*> joined = JoinRepeatedFlag(static_cast<int>(with_sdps.size()), with_sdps.data(),
                                               "srtp_key", &keys_storage);
  std::vector<char*> args = absl::ParseCommandLine(static_cast<int>(joined.size()), joined.data());
  if (args.size() < 2)
    return Usage("missing command: try 'rtparchive replay CAPTURE -o ARCHIVE.zip'");
  const std::string command = args[1];
  if (command == "verify" || command == "inspect") {
    if (args.size() != 3) return Usage(command + " takes exactly one ARCHIVE.zip");
    return RunCheck(command, args[2]);
  }
  if (command == "serve") {
    if (args.size() != 2) return Usage("serve takes no arguments besides --config FILE");
    return RunServe();
  }
  if (command == "upload") {
    if (args.size() != 4) return Usage("upload takes ARCHIVE.zip and a destination, s3://BUCKET/KEY or azure://CONTAINER/BLOB");
    rtparchive::cli::UploadFlags flags;
    flags.endpoint = absl::GetFlag(FLAGS_endpoint);
    flags.region = absl::GetFlag(FLAGS_region);
    flags.sse = absl::GetFlag(FLAGS_sse);
    flags.progress = absl::GetFlag(FLAGS_progress);
    if (!flags.sse.empty() && flags.sse != "AES256") return Usage("--sse takes AES256");
    return rtparchive::cli::RunUpload(args[2], args[3], flags);
  }
  if (command == "recover") {
    if (args.size() != 3) return Usage("recover takes exactly one WORKING_FOLDER (<output>.parts)");
    return RunRecover(args[2]);
  }
  if (command != "replay") return Usage(absl::StrCat("unknown command '", command, "'"));
  if (args.size() != 3) return Usage("replay takes exactly one CAPTURE file");
  return RunReplay(args[2]);
}
