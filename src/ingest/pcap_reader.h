// Reads pcap and pcapng capture files through libpcap and yields the UDP
// datagrams in them, in file order. Frames that are not UDP over IP are
// counted by reason; none is fatal. A file that ends mid-record is reported
// as truncated after everything before it was read.
//
// Not thread-safe. The datagram's payload is valid until the next Next().
#ifndef RTPARCHIVE_INGEST_PCAP_READER_H_
#define RTPARCHIVE_INGEST_PCAP_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
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

 private:
  PcapReader(pcap* handle, int link_type, int64_t file_size, LogFunction log);

  pcap* handle_;
  int link_type_;
  int64_t file_size_;
  int64_t frames_read_ = 0;
  int64_t datagrams_read_ = 0;
  DropLog drops_;
  std::string truncation_message_;
};

}  // namespace rtparchive::ingest

#endif  // RTPARCHIVE_INGEST_PCAP_READER_H_
