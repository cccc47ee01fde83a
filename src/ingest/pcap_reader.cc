#include "ingest/pcap_reader.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ingest/link_layer.h"

namespace rtparchive::ingest {
namespace {

// The classic pcap format (libpcap's pcap-savefile(5)).
constexpr uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr uint32_t kMagicNanoseconds = 0xa1b23c4d;
constexpr uint64_t kFileHeaderBytes = 24;
constexpr uint64_t kRecordHeaderBytes = 16;
// libpcap's largest snapshot length; a record longer than this is damage.
constexpr uint64_t kLargestRecordBytes = 262144;

uint32_t Load32(const uint8_t* at, bool swapped) {
  uint32_t value;
  std::memcpy(&value, at, sizeof(value));
  return swapped ? __builtin_bswap32(value) : value;
}

uint16_t Load16(const uint8_t* at, bool swapped) {
  uint16_t value;
  std::memcpy(&value, at, sizeof(value));
  return swapped ? __builtin_bswap16(value) : value;
}

// Whether a file header is classic pcap 2.4's, and how its fields are written.
bool IsClassicPcap(const uint8_t* header, bool* swapped, bool* nanoseconds) {
  for (const bool swap : {false, true}) {
    const uint32_t magic = Load32(header, swap);
    if (magic != kMagicMicroseconds && magic != kMagicNanoseconds) continue;
    *swapped = swap;
    *nanoseconds = magic == kMagicNanoseconds;
    return Load16(header + 4, swap) == 2 && Load16(header + 6, swap) == 4;
  }
  return false;
}

// An open classic pcap 2.4 file, past its header; -1 for anything else
// (libpcap reads that).
int OpenClassicPcap(const std::string& path, bool* swapped, bool* nanoseconds) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  uint8_t header[kFileHeaderBytes];
  if (::read(fd, header, sizeof(header)) != static_cast<ssize_t>(sizeof(header)) ||
      !IsClassicPcap(header, swapped, nanoseconds)) {
    ::close(fd);
    return -1;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PcapReader>> PcapReader::Open(const std::string& path,
                                                             LogFunction log, size_t read_bytes) {
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
  std::optional<File> file;
  File classic;
  classic.fd = OpenClassicPcap(path, &classic.swapped, &classic.nanoseconds);
  if (classic.fd >= 0) {
    classic.buffer.resize(std::max<size_t>(read_bytes, kRecordHeaderBytes));
    classic.position = kFileHeaderBytes;
    file = std::move(classic);
    pcap_close(handle);  // it has checked the header and told the link type
    handle = nullptr;
  }
  return std::unique_ptr<PcapReader>(new PcapReader(
      handle, std::move(file), link_type, static_cast<int64_t>(info.st_size), std::move(log)));
}

PcapReader::PcapReader(pcap* handle, std::optional<File> file, int link_type, int64_t file_size,
                       LogFunction log)
    : handle_(handle),
      file_(std::move(file)),
      link_type_(link_type),
      file_size_(file_size),
      drops_("capture", std::move(log)) {}

PcapReader::~PcapReader() {
  if (handle_ != nullptr) pcap_close(handle_);
  if (file_) ::close(file_->fd);
}

int64_t PcapReader::position() const {
  if (file_) return static_cast<int64_t>(file_->position);
  FILE* stream = pcap_file(handle_);
  if (stream == nullptr) return 0;
  const long offset = std::ftell(stream);
  return offset < 0 ? 0 : offset;
}

PcapReader::Result PcapReader::Next(Datagram* datagram) {
  return file_ ? NextClassic(datagram) : NextFromLibpcap(datagram);
}

bool PcapReader::TakeFrame(absl::Span<const uint8_t> frame, int64_t arrival_time_us,
                           Datagram* datagram) {
  ++frames_read_;
  const FrameDrop drop = ParseLinkFrame(link_type_, frame, datagram);
  if (drop != FrameDrop::kNone) {
    // Non-IP and non-UDP frames are ordinary capture content, not damage.
    if (drop != FrameDrop::kNotIp && drop != FrameDrop::kNotUdp) {
      drops_.Count(ToString(drop), absl::StrFormat("in frame %d", frames_read_));
    }
    return false;
  }
  datagram->arrival_time_us = arrival_time_us;
  ++datagrams_read_;
  return true;
}

bool PcapReader::Fill(size_t wanted) {
  File& file = *file_;
  std::memmove(file.buffer.data(), file.buffer.data() + file.begin, file.end - file.begin);
  file.end -= file.begin;
  file.begin = 0;
  if (wanted > file.buffer.size()) file.buffer.resize(wanted);
  while (file.end < wanted) {
    const ssize_t got = ::read(file.fd, file.buffer.data() + file.end, file.buffer.size() - file.end);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      read_error_ = std::strerror(errno);
      return false;
    }
    if (got == 0) return false;
    file.end += static_cast<size_t>(got);
  }
  return true;
}

PcapReader::Result PcapReader::NextClassic(Datagram* datagram) {
  File& file = *file_;
  while (true) {
    if (file.end - file.begin < kRecordHeaderBytes && !Fill(kRecordHeaderBytes)) {
      if (file.end == file.begin && read_error_.empty()) return Result::kEnd;
      return Truncated(absl::StrCat("a record header needs 16 bytes, ", file.end - file.begin,
                                    " remain"));
    }
    const uint8_t* header = file.buffer.data() + file.begin;
    const uint64_t captured = Load32(header + 8, file.swapped);
    const int64_t seconds = Load32(header, file.swapped);
    const int64_t fraction = Load32(header + 4, file.swapped);
    const uint64_t record_bytes = kRecordHeaderBytes + captured;
    if (captured > kLargestRecordBytes) {
      // libpcap refuses such a record too; its length is damage, so the rest
      // of the file cannot be found in step.
      return Truncated(absl::StrCat("a record claims ", captured,
                                    " bytes, more than a capture holds (262144)"));
    }
    if (file.end - file.begin < record_bytes && !Fill(record_bytes)) {
      return Truncated(absl::StrCat("the record holds ", captured, " bytes, ",
                                    file.end - file.begin - kRecordHeaderBytes, " remain"));
    }
    const uint8_t* frame = file.buffer.data() + file.begin + kRecordHeaderBytes;
    file.begin += record_bytes;
    file.position += record_bytes;
    const int64_t arrival_us = seconds * 1'000'000 + (file.nanoseconds ? fraction / 1000 : fraction);
    if (TakeFrame(absl::MakeConstSpan(frame, captured), arrival_us, datagram)) {
      return Result::kDatagram;
    }
  }
}

PcapReader::Result PcapReader::Truncated(const std::string& why) {
  truncation_message_ =
      read_error_.empty()
          ? absl::StrFormat("the capture ends inside a record after %d frames, at byte %d (%s)",
                            frames_read_, file_->position, why)
          : absl::StrFormat("reading the capture failed after %d frames, at byte %d: %s",
                            frames_read_, file_->position, read_error_);
  return Result::kTruncated;
}

PcapReader::Result PcapReader::NextFromLibpcap(Datagram* datagram) {
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
    const int64_t arrival_us =
        static_cast<int64_t>(header->ts.tv_sec) * 1'000'000 + header->ts.tv_usec;
    if (TakeFrame(absl::MakeConstSpan(data, header->caplen), arrival_us, datagram)) {
      return Result::kDatagram;
    }
  }
}

}  // namespace rtparchive::ingest
