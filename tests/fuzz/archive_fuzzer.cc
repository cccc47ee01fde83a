// Fuzz target: the whole recording path behind Archive::PushPacket (RTP and
// RTCP parsing, RED, RTX, reorder, depacketizers, frame assembly, capture
// clock, interleaving, the container writer, the manifest and the ZIP), as a
// recording node drives it. Input: a byte choosing the archive's codec, then
// records of [16-bit length][8-bit arrival step in ms][packet].
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "rtparchive/archive.h"

namespace {
// This process's folder for the archive, removed when the fuzzer exits.
struct TempFolder {
  std::string path = "/tmp/rtparchive-archive-fuzz-" + std::to_string(getpid());
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rtparchive;
  if (size < 1) return 0;
  static const TempFolder temp;
  const std::string& folder = temp.path;
  std::filesystem::create_directories(folder);
  const std::string output = folder + "/archive.zip";
  std::filesystem::remove_all(output + ".parts");
  ArchiveOptions options;
  options.id = "0d5b6e0a-0000-4000-8000-00000000f022";
  options.output_path = output;
  options.video_codec = data[0] & 1 ? VideoCodec::kH264 : VideoCodec::kVp8;
  auto archive = Archive::Start(options);
  if (!archive.ok()) std::abort();
  StreamOptions stream;
  stream.stream_id = "fuzzed";
  stream.payload_types = {{96, {PayloadFormat::kVp8, 90000}},     {102, {PayloadFormat::kH264, 90000}},
                          {111, {PayloadFormat::kOpus, 48000}},   {118, {PayloadFormat::kRed, 90000}},
                          {63, {PayloadFormat::kRed, 48000}},     {120, {PayloadFormat::kUlpfec, 90000}}};
  PayloadTypeInfo rtx(PayloadFormat::kRtx, 90000);
  rtx.associated_payload_type = 118;
  stream.payload_types[97] = rtx;
  stream.payload_types[119] = rtx;
  // Chromium's IDs: its simulcast layers name their RIDs, their RTX the RID repaired.
  stream.header_extensions = {{13, kVideoOrientationExtension},
                              {10, kRtpStreamIdExtension},
                              {11, kRepairedRtpStreamIdExtension}};
  if (!(*archive)->AddStream(stream).ok()) std::abort();
  int64_t now_us = 1'700'000'000'000'000;
  size_t at = 1;
  while (at + 3 <= size) {
    const size_t length = std::min<size_t>(size_t{data[at]} << 8 | data[at + 1], size - at - 3);
    now_us += int64_t{data[at + 2]} * 1000;
    const absl::Span<const uint8_t> packet(data + at + 3, length);
    at += 3 + length;
    // A refused packet is an error only for an unknown or stopped stream.
    if (!(*archive)->PushPacket("fuzzed", packet, now_us).ok()) break;
  }
  auto result = (*archive)->Stop();
  if (!result.ok()) std::abort();  // writing to /tmp must not fail
  return 0;
}
