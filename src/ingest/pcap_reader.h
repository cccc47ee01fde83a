// Reads pcap and pcapng capture files and yields the UDP datagrams in them,
// in file order. Frames that are not UDP over IP are counted by reason; none
// is fatal. A file that ends mid-record is reported as truncated after
// everything before it was read.
//
// libpcap opens every file (checking its header and link type) and reads
// pcapng. A classic pcap file (version 2.4, the format of tcpdump -w) is
// then read by the reader itself, 256 KiB at a time into one buffer whose
// records are parsed in place: a replay reads a capture twice (finding
// streams, then recording them), and libpcap copies every record once more
// out of its stdio buffer. Memory stays flat however long the capture, and a
// file still being written is read as far as it goes.
//
// Not thread-safe. The datagram's payload is valid until the next Next().
#ifndef RTPARCHIVE_INGEST_PCAP_READER_H_
#define RTPARCHIVE_INGEST_PCAP_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/drop_log.h"
#include "ingest/datagram.h"

struct pcap;

namespace rtparchive::ingest {

class PcapReader {
 public:
  enum class Result {
    kDatagram,   // *datagram is filled
    kEnd,        // clean end of file
    kTruncated,  // the file ends inside a record; truncation_message() says where
  };

  // Bytes of a classic pcap file read at a time: few enough to stay in a
  // core's own cache while their records are parsed, enough for few reads.
  static constexpr size_t kDefaultReadBytes = 256 << 10;

  // Fails with NotFound, PermissionDenied or InvalidArgument (not a capture,
  // unsupported link type), each message saying what to do. `read_bytes`
  // other than the default is for tests, which make records fall across reads.
  static absl::StatusOr<std::unique_ptr<PcapReader>> Open(const std::string& path,
                                                          LogFunction log = nullptr,
                                                          size_t read_bytes = kDefaultReadBytes);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  Result Next(Datagram* datagram);

  int64_t frames_read() const { return frames_read_; }
  int64_t datagrams_read() const { return datagrams_read_; }
  const DropLog& drops() const { return drops_; }
  int64_t file_size() const { return file_size_; }
  // Bytes of the file consumed so far (for progress).
  int64_t position() const;
  const std::string& truncation_message() const { return truncation_message_; }
  // Whether records are read by the reader itself (classic pcap) or by libpcap.
  bool reads_classic_pcap() const { return file_.has_value(); }

 private:
  // A classic pcap file, and the bytes read from it but not yet parsed.
  struct File {
    int fd = -1;
    bool swapped = false;      // written on a machine of the other byte order
    bool nanoseconds = false;  // time stamps' fractions are ns, not µs
    std::vector<uint8_t> buffer;
    size_t begin = 0;       // buffer[begin, end) is read and not yet parsed
    size_t end = 0;
    uint64_t position = 0;  // the file offset of buffer[begin]
  };

  PcapReader(pcap* handle, std::optional<File> file, int link_type, int64_t file_size,
             LogFunction log);
  Result NextClassic(Datagram* datagram);
  // Reads until the buffer holds `wanted` unparsed bytes (moving them to its
  // front first); false at the end of the file or on a read error.
  bool Fill(size_t wanted);
  Result Truncated(const std::string& why);
  Result NextFromLibpcap(Datagram* datagram);
  // Fills `datagram` from one captured frame; false when it holds none.
  bool TakeFrame(absl::Span<const uint8_t> frame, int64_t arrival_time_us, Datagram* datagram);

  pcap* handle_;  // null when the reader reads the file itself
  std::optional<File> file_;
  std::string read_error_;
  int link_type_;
  int64_t file_size_;
  int64_t frames_read_ = 0;
  int64_t datagrams_read_ = 0;
  DropLog drops_;
  std::string truncation_message_;
};

}  // namespace rtparchive::ingest

#endif  // RTPARCHIVE_INGEST_PCAP_READER_H_
