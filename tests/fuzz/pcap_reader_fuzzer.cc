// Fuzz target: a whole capture file through libpcap or our classic pcap
// reader, and our link layers. The input is written to a temporary file,
// since the reader opens paths.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest/pcap_reader.h"

namespace {
// This process's input file, removed when the fuzzer exits.
struct TempFile {
  std::string path = "/tmp/rtparchive-pcap-fuzz-" + std::to_string(getpid());
  ~TempFile() { std::remove(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TempFile temp;
  const std::string& path = temp.path;
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  // Reads of 16-271 bytes, so records fall across the ends of reads.
  const size_t read_bytes = 16 + (size > 24 ? data[size - 1] : 0);
  auto reader = rtparchive::ingest::PcapReader::Open(path, nullptr, read_bytes);
  if (!reader.ok()) return 0;
  rtparchive::ingest::Datagram datagram;
  int64_t datagrams = 0;
  while ((*reader)->Next(&datagram) == rtparchive::ingest::PcapReader::Result::kDatagram) {
    if (datagram.payload.size() > size) std::abort();
    ++datagrams;
  }
  if (datagrams > (*reader)->frames_read()) std::abort();
  return 0;
}
