// DTLS-SRTP keys of a captured call, from a key log in the NSS format that
// browsers, curl, `openssl s_client -keylogfile` and Wireshark share
// (SSLKEYLOGFILE): "CLIENT_RANDOM <client random> <master secret>", hex.
// The node writes one when SSLKEYLOGFILE is set; `replay --key_log` reads
// it. The capture's DTLS hellos (sent in the clear) give each handshake's
// randoms, cipher suite and SRTP profile; RFC 5764's exporter over the
// master secret then gives both sides' SRTP keys. DTLS 1.2 only (DTLS 1.3
// logs other labels, which are skipped).
#ifndef RTPARCHIVE_WEBRTC_DTLS_KEY_LOG_H_
#define RTPARCHIVE_WEBRTC_DTLS_KEY_LOG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "srtp/srtp_receiver.h"

namespace rtparchive::webrtc {

// Appends key log lines to a file made readable by its owner only (the
// lines decrypt the media). Thread-safe.
class KeyLogWriter {
 public:
  // Appends to `path`; a new file is created with mode 0600.
  static absl::StatusOr<std::shared_ptr<KeyLogWriter>> Open(const std::string& path);
  ~KeyLogWriter();
  void Write(absl::string_view line);

 private:
  KeyLogWriter() = default;
  std::mutex mutex_;
  int fd_ = -1;
};

// Client random (32 bytes) -> master secret (48 bytes).
using MasterSecrets = std::map<std::vector<uint8_t>, std::vector<uint8_t>>;

// The CLIENT_RANDOM lines of a key log's text; other labels and comments
// are skipped. InvalidArgument naming the first malformed CLIENT_RANDOM
// line.
absl::StatusOr<MasterSecrets> ParseKeyLog(absl::string_view text);
// The same, of a file; errors name the path.
absl::StatusOr<MasterSecrets> ReadKeyLog(const std::string& path);

// RFC 5764 §4.2's keying material -> the SRTP keys of the DTLS client and
// server, for a use_srtp profile ID (1, 2, 7, 8); InvalidArgument for other
// profiles or a material of the wrong length.
absl::StatusOr<std::pair<srtp::SrtpKey, srtp::SrtpKey>> SrtpKeysOf(
    uint16_t profile, absl::Span<const uint8_t> keying_material);
// How many bytes of keying material a profile needs (0: unknown profile).
size_t KeyingMaterialBytes(uint16_t profile);

// Whether a datagram starts with a DTLS 1.0/1.2 handshake record of epoch 0
// holding a ClientHello or ServerHello: the flow runs DTLS-SRTP. (RFC
// 7983's first-byte rule alone is met by one random byte in six.)
bool StartsDtlsHello(absl::Span<const uint8_t> datagram);

// Reads the DTLS hellos of a capture's flows and gives the SRTP keys of
// each handshake whose master secret the key log has. Bounded: 1,024
// handshakes waiting for their ServerHello; older ones are forgotten.
class DtlsKeyFinder {
 public:
  struct Counts {
    int64_t handshakes_keyed = 0;
    int64_t not_in_key_log = 0;     // hellos seen, no master secret for them
    int64_t no_srtp_profile = 0;    // a ServerHello without use_srtp, or an unknown one
    int64_t unreadable = 0;         // DTLS datagrams whose hellos could not be read
  };

  explicit DtlsKeyFinder(MasterSecrets secrets) : secrets_(std::move(secrets)) {}

  // One DTLS datagram (RFC 7983: first byte 20-63) from `from` to `to`
  // (any names for the two ends, such as "address:port"). Returns the keys
  // of a handshake this datagram's ServerHello completes: the client's
  // then the server's.
  std::vector<srtp::SrtpKey> Offer(const std::string& from, const std::string& to,
                                   absl::Span<const uint8_t> datagram);
  const Counts& counts() const { return counts_; }

 private:
  struct Hello {
    std::vector<uint8_t> random;
    uint16_t cipher_suite = 0, srtp_profile = 0;
  };
  const MasterSecrets secrets_;
  // (client, server) -> the client random of its last ClientHello.
  std::map<std::pair<std::string, std::string>, std::vector<uint8_t>> client_randoms_;
  std::vector<std::pair<std::string, std::string>> arrival_order_;
  // (server, client) -> the fragments of a ServerHello so far; bounded by
  // the waiting ClientHellos (one each).
  std::map<std::pair<std::string, std::string>, std::vector<uint8_t>> server_hellos_;
  Counts counts_;

  std::vector<srtp::SrtpKey> Keys(const std::vector<uint8_t>& client_random, const Hello& server);
};

}  // namespace rtparchive::webrtc

#endif  // RTPARCHIVE_WEBRTC_DTLS_KEY_LOG_H_
