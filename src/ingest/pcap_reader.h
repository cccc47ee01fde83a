// Reads pcap and pcapng capture files and yields the UDP datagrams in them,
// in file order. Frames that are not UDP over IP are counted by reason; none
// is fatal. A file that ends mid-record is reported as truncated after
// everything before it was read.
//
// libpcap opens every file (checking its header and link type) and reads
// pcapng. A classic pcap file (version 2.4, the format of tcpdump -w) is
// then read from a memory mapping instead, record by record in place: a
// replay reads a capture twice (finding streams, then recording them), and
// libpcap's reads through stdio copy every byte once more each time. A
// thread of the reader maps the pages a little ahead of it (so the reader
// does not stop on page faults), and the pages behind it are released, so
// memory stays flat however long the capture. A capture must not be cut
// shorter while it is read.
//
// Not thread-safe. The datagram's payload is valid until the next Next().
#ifndef RTPARCHIVE_INGEST_PCAP_READER_H_
#define RTPARCHIVE_INGEST_PCAP_READER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

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

  // Fails with NotFound, PermissionDenied or InvalidArgument (not a capture,
  // unsupported link type), each message saying what to do.
  static absl::StatusOr<std::unique_ptr<PcapReader>> Open(const std::string& path,
                                                          LogFunction log = nullptr);
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
  // Whether records are read from a mapping (classic pcap) or by libpcap.
  bool mapped() const { return mapping_.has_value(); }

 private:
  // A classic pcap file mapped into memory, and where the reader is in it.
  struct Mapping {
    const uint8_t* bytes = nullptr;
    uint64_t size = 0;
    bool swapped = false;      // written on a machine of the other byte order
    bool nanoseconds = false;  // time stamps' fractions are ns, not µs
    uint64_t position = 0;
  };

  PcapReader(pcap* handle, std::optional<Mapping> mapping, int link_type, int64_t file_size,
             LogFunction log);
  Result NextMapped(Datagram* datagram);
  // The page manager's loop: maps pages ahead of the reader, releases them behind.
  void ManagePages();
  // Releases the mapped pages more than `slack` behind `reader_at` (from
  // either thread; each range once).
  void ReleaseBehind(uint64_t reader_at, uint64_t slack);
  Result NextFromLibpcap(Datagram* datagram);
  // Fills `datagram` from one captured frame; false when it holds none.
  bool TakeFrame(absl::Span<const uint8_t> frame, int64_t arrival_time_us, Datagram* datagram);

  pcap* handle_;  // null when mapped
  std::optional<Mapping> mapping_;
  std::atomic<uint64_t> mapped_position_{0};  // mapping_->position, for the page manager
  std::atomic<uint64_t> released_{0};         // mapped bytes before this are released
  std::atomic<bool> stopping_{false};
  std::atomic<uint8_t> touched_{0};  // keeps the page manager's reads from being optimised away
  std::thread page_manager_;
  int link_type_;
  int64_t file_size_;
  int64_t frames_read_ = 0;
  int64_t datagrams_read_ = 0;
  DropLog drops_;
  std::string truncation_message_;
};

}  // namespace rtparchive::ingest

#endif  // RTPARCHIVE_INGEST_PCAP_READER_H_
