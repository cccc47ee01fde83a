#include "ingest/pcap_reader.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <tuple>
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
// Mapped pages further behind the reader than this are released.
constexpr uint64_t kKeptBehindBytes = 2 << 20;
// Pages are mapped up to this far ahead of the reader, so many at a time.
constexpr uint64_t kMapAheadBytes = 2 << 20;
constexpr uint64_t kMapStepBytes = 1 << 20;

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

// The mapping of `path` when it is a classic pcap 2.4 file; nullopt for
// anything else (libpcap reads that), or when it cannot be mapped.
std::optional<std::pair<const uint8_t*, uint64_t>> MapClassicPcap(const std::string& path,
                                                                  bool* swapped,
                                                                  bool* nanoseconds) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  uint8_t header[kFileHeaderBytes];
  struct stat info;
  void* bytes = MAP_FAILED;
  if (::pread(fd, header, sizeof(header), 0) == static_cast<ssize_t>(sizeof(header)) &&
      ::fstat(fd, &info) == 0 && IsClassicPcap(header, swapped, nanoseconds)) {
    bytes = ::mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  }
  ::close(fd);
  if (bytes == MAP_FAILED) return std::nullopt;
  ::madvise(bytes, static_cast<size_t>(info.st_size), MADV_SEQUENTIAL);
  return std::make_pair(static_cast<const uint8_t*>(bytes), static_cast<uint64_t>(info.st_size));
}

}  // namespace

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
  std::optional<Mapping> mapping;
  Mapping mapped;
  if (auto map = MapClassicPcap(path, &mapped.swapped, &mapped.nanoseconds)) {
    std::tie(mapped.bytes, mapped.size) = *map;
    mapped.position = kFileHeaderBytes;
    mapping = mapped;
    pcap_close(handle);  // it has checked the header and told the link type
    handle = nullptr;
  }
  return std::unique_ptr<PcapReader>(new PcapReader(
      handle, mapping, link_type, static_cast<int64_t>(info.st_size), std::move(log)));
}

PcapReader::PcapReader(pcap* handle, std::optional<Mapping> mapping, int link_type,
                       int64_t file_size, LogFunction log)
    : handle_(handle),
      mapping_(mapping),
      link_type_(link_type),
      file_size_(file_size),
      drops_("capture", std::move(log)) {
  if (mapping_) page_manager_ = std::thread([this] { ManagePages(); });
}

PcapReader::~PcapReader() {
  stopping_ = true;
  if (page_manager_.joinable()) page_manager_.join();
  if (handle_ != nullptr) pcap_close(handle_);
  if (mapping_) ::munmap(const_cast<uint8_t*>(mapping_->bytes), mapping_->size);
}

void PcapReader::ReleaseBehind(uint64_t reader_at, uint64_t slack) {
  uint64_t released = released_.load(std::memory_order_relaxed);
  if (reader_at < released + slack) return;
  // Page-aligned, since the mapping starts on a page. (A datagram the reader
  // still holds there would be mapped again from the page cache.)
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t upto = (reader_at - kKeptBehindBytes) / page * page;
  if (!released_.compare_exchange_strong(released, upto, std::memory_order_relaxed)) return;
  ::madvise(const_cast<uint8_t*>(mapping_->bytes) + released, upto - released, MADV_DONTNEED);
}

void PcapReader::ManagePages() {
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint8_t* const bytes = const_cast<uint8_t*>(mapping_->bytes);
  uint64_t mapped_to = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const uint64_t reader_at = mapped_position_.load(std::memory_order_relaxed);
    ReleaseBehind(reader_at, 2 * kKeptBehindBytes);
    // Never map again what the reader has passed.
    mapped_to = std::max(mapped_to, reader_at / page * page);
    if (mapped_to >= std::min(reader_at + kMapAheadBytes, mapping_->size)) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    const uint64_t length = std::min(kMapStepBytes, mapping_->size - mapped_to);
    ::madvise(bytes + mapped_to, length, MADV_POPULATE_READ);
    // Reading a byte of every cache line brings the bytes into the cache the
    // cores share, so the reader finds them there.
    uint8_t sum = 0;
    for (uint64_t at = mapped_to; at < mapped_to + length; at += 64) sum ^= bytes[at];
    touched_.fetch_xor(sum, std::memory_order_relaxed);
    mapped_to += length;
  }
}

int64_t PcapReader::position() const {
  if (mapping_) return static_cast<int64_t>(mapping_->position);
  FILE* file = pcap_file(handle_);
  if (file == nullptr) return 0;
  const long offset = std::ftell(file);
  return offset < 0 ? 0 : offset;
}

PcapReader::Result PcapReader::Next(Datagram* datagram) {
  return mapping_ ? NextMapped(datagram) : NextFromLibpcap(datagram);
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

PcapReader::Result PcapReader::NextMapped(Datagram* datagram) {
  Mapping& map = *mapping_;
  while (map.position < map.size) {
    const uint64_t left = map.size - map.position;
    const uint8_t* record = map.bytes + map.position;
    const uint64_t captured = left < kRecordHeaderBytes ? 0 : Load32(record + 8, map.swapped);
    if (left < kRecordHeaderBytes || captured > left - kRecordHeaderBytes) {
      truncation_message_ =
          absl::StrFormat("the capture ends inside a record after %d frames, at byte %d of %d (%s)",
                          frames_read_, map.position, map.size,
                          left < kRecordHeaderBytes
                              ? absl::StrCat("a record header needs 16 bytes, ", left, " remain")
                              : absl::StrCat("the record holds ", captured, " bytes, ",
                                             left - kRecordHeaderBytes, " remain"));
      return Result::kTruncated;
    }
    const int64_t seconds = Load32(record, map.swapped);
    const int64_t fraction = Load32(record + 4, map.swapped);
    map.position += kRecordHeaderBytes + captured;
    mapped_position_.store(map.position, std::memory_order_relaxed);
    // Should the page manager not get a core for a while, the reader keeps
    // memory flat itself.
    ReleaseBehind(map.position, 3 * kKeptBehindBytes);
    const int64_t arrival_us = seconds * 1'000'000 + (map.nanoseconds ? fraction / 1000 : fraction);
    if (TakeFrame(absl::MakeConstSpan(record + kRecordHeaderBytes, captured), arrival_us,
                  datagram)) {
      return Result::kDatagram;
    }
  }
  return Result::kEnd;
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
