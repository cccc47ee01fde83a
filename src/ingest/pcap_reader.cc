#include "ingest/pcap_reader.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ingest/link_layer.h"

namespace rtparchive::ingest {

absl::StatusOr<std::unique_ptr<PcapReader>> PcapReader::Open(const std::string& path,
                                                             LogFunction log) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("capture file '", path, "' does not exist: check the path"));
    }
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open capture file '", path, "': ", std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is a directory: give a .pcap or .pcapng file"));
  }
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap* handle =
      pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
  if (handle == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", path, "' is not a readable packet capture (libpcap: ", error,
        "); rtparchive reads pcap and pcapng files, e.g. from tcpdump -w or Wireshark"));
  }
  const int link_type = pcap_datalink(handle);
  if (!IsSupportedLinkType(link_type)) {
    const char* name = pcap_datalink_val_to_name(link_type);
    pcap_close(handle);
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' has link type %d (%s), which rtparchive does not read; supported: Ethernet, "
        "Linux cooked (SLL, SLL2), raw IP and loopback. Capture on an Ethernet or 'any' "
        "interface instead",
        path, link_type, name ? name : "unknown"));
  }
  return std::unique_ptr<PcapReader>(
      new PcapReader(handle, link_type, static_cast<int64_t>(info.st_size), std::move(log)));
}

PcapReader::PcapReader(pcap* handle, int link_type, int64_t file_size, LogFunction log)
    : handle_(handle),
      link_type_(link_type),
      file_size_(file_size),
      drops_("capture", std::move(log)) {}

PcapReader::~PcapReader() { pcap_close(handle_); }

int64_t PcapReader::position() const {
  FILE* file = pcap_file(handle_);
  if (file == nullptr) return 0;
  const long offset = std::ftell(file);
  return offset < 0 ? 0 : offset;
}

PcapReader::Result PcapReader::Next(Datagram* datagram) {
  while (true) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int result = pcap_next_ex(handle_, &header, &data);
    if (result == PCAP_ERROR_BREAK) return Result::kEnd;
    if (result != 1) {
      truncation_message_ = absl::StrFormat(
          "the capture ends inside a record after %d frames, at byte %d of %d (libpcap: %s)",
          frames_read_, position(), file_size_, pcap_geterr(handle_));
      return Result::kTruncated;
    }
    ++frames_read_;
    const FrameDrop drop =
        ParseLinkFrame(link_type_, absl::Span<const uint8_t>(data, header->caplen), datagram);
    if (drop != FrameDrop::kNone) {
      // Non-IP and non-UDP frames are ordinary capture content, not damage.
      if (drop != FrameDrop::kNotIp && drop != FrameDrop::kNotUdp) {
        drops_.Count(ToString(drop), absl::StrFormat("in frame %d", frames_read_));
      }
      continue;
    }
    datagram->arrival_time_us =
        static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
    ++datagrams_read_;
    return Result::kDatagram;
  }
}

}  // namespace rtparchive::ingest
