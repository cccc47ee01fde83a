#include "webrtc/dtls_key_log.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/byte_reader.h"
#include "base/status_macros.h"
#include "base/text_file.h"

namespace rtparchive::webrtc {
namespace {

constexpr size_t kRandomBytes = 32;
constexpr size_t kMasterSecretBytes = 48;
constexpr size_t kMaxWaitingHandshakes = 1024;
constexpr size_t kMaxServerHelloBytes = 4096;  // a DTLS-SRTP ServerHello is under 200
constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1, kServerHello = 2;
constexpr uint16_t kUseSrtpExtension = 14;  // RFC 5764 §4.1.1
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

bool HexBytes(absl::string_view hex, size_t bytes, std::vector<uint8_t>* out) {
  if (hex.size() != 2 * bytes || !std::all_of(hex.begin(), hex.end(), absl::ascii_isxdigit)) {
    return false;
  }
  const std::string decoded = absl::HexStringToBytes(hex);  // checked above: Abseil 2022 does not
  out->assign(decoded.begin(), decoded.end());
  return true;
}

// TLS 1.2's PRF (RFC 5246 §5): P_hash(secret, label + seed).
std::vector<uint8_t> Prf(const EVP_MD* md, const std::vector<uint8_t>& secret,
                         const std::vector<uint8_t>& label_and_seed, size_t length) {
  std::vector<uint8_t> out, a = label_and_seed, block;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  while (out.size() < length) {
    HMAC(md, secret.data(), static_cast<int>(secret.size()), a.data(), a.size(), digest, &size);
    a.assign(digest, digest + size);
    block = a;
    block.insert(block.end(), label_and_seed.begin(), label_and_seed.end());
    HMAC(md, secret.data(), static_cast<int>(secret.size()), block.data(), block.size(), digest, &size);
    out.insert(out.end(), digest, digest + size);
  }
  out.resize(length);
  return out;
}

// The PRF hash of a TLS 1.2 cipher suite: SHA-384 for the *_SHA384 suites
// (RFC 5289, 5288), SHA-256 for every other.
const EVP_MD* PrfHash(uint16_t suite) {
  static constexpr uint16_t kSha384[] = {0x009D, 0x009F, 0x00A3, 0x00A5, 0x00A7, 0x00A9, 0x00AB,
                                         0x00AD, 0x00AF, 0xC024, 0xC026, 0xC028, 0xC02A, 0xC02C,
                                         0xC02E, 0xC030, 0xC032, 0xC038};
  return std::find(std::begin(kSha384), std::end(kSha384), suite) != std::end(kSha384) ? EVP_sha384()
                                                                                       : EVP_sha256();
}

// A hello's fields (the body of a handshake message, whole): false when it
// is cut short.
bool ReadHello(uint8_t type, absl::Span<const uint8_t> body, std::vector<uint8_t>* random,
               uint16_t* cipher_suite, uint16_t* srtp_profile) {
  ByteReader reader(body);
  uint16_t version = 0;
  absl::Span<const uint8_t> random_bytes;
  if (!reader.ReadU16(&version) || !reader.ReadBytes(kRandomBytes, &random_bytes)) return false;
  random->assign(random_bytes.begin(), random_bytes.end());
  if (type == kClientHello) return true;
  uint8_t session_id = 0, compression = 0;
  uint16_t extensions = 0;
  if (!reader.ReadU8(&session_id) || !reader.Skip(session_id) || !reader.ReadU16(cipher_suite) ||
      !reader.ReadU8(&compression)) {
    return false;
  }
  if (!reader.ReadU16(&extensions)) return true;  // no extensions: no use_srtp
  absl::Span<const uint8_t> extension_bytes, value_bytes;
  if (!reader.ReadBytes(extensions, &extension_bytes)) return false;
  ByteReader list(extension_bytes);
  uint16_t extension = 0, length = 0;
  while (list.ReadU16(&extension) && list.ReadU16(&length)) {
    if (!list.ReadBytes(length, &value_bytes)) return false;
    ByteReader value(value_bytes);
    uint16_t profiles = 0;
    if (extension == kUseSrtpExtension && value.ReadU16(&profiles) && profiles == 2) {
      return value.ReadU16(srtp_profile);
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::shared_ptr<KeyLogWriter>> KeyLogWriter::Open(const std::string& path) {
  std::shared_ptr<KeyLogWriter> writer(new KeyLogWriter);
  writer->fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (writer->fd_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open the key log ", path, ": ", std::strerror(errno)));
  }
  return writer;
}

KeyLogWriter::~KeyLogWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void KeyLogWriter::Write(absl::string_view line) {
  const std::string text = absl::StrCat(line, "\n");
  std::lock_guard<std::mutex> lock(mutex_);
  // One write per line (O_APPEND): lines of several writers never interleave.
  (void)!::write(fd_, text.data(), text.size());
}

absl::StatusOr<MasterSecrets> ParseKeyLog(absl::string_view text) {
  MasterSecrets secrets;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!absl::StartsWith(line, "CLIENT_RANDOM ")) continue;  // comments, TLS 1.3 labels
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    std::vector<uint8_t> random, secret;
    if (fields.size() != 3 || !HexBytes(fields[1], kRandomBytes, &random) ||
        !HexBytes(fields[2], kMasterSecretBytes, &secret)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", number, " is not CLIENT_RANDOM <64 hex digits> <96 hex digits>"));
    }
    secrets[std::move(random)] = std::move(secret);
  }
  return secrets;
}

absl::StatusOr<MasterSecrets> ReadKeyLog(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "the key log"));
  auto secrets = ParseKeyLog(text);
  if (!secrets.ok()) return PrefixWithPath(path, secrets.status());
  return secrets;
}

size_t KeyingMaterialBytes(uint16_t profile) {
  switch (profile) {
    case 1: case 2: return 2 * (16 + 14);  // SRTP_AES128_CM_HMAC_SHA1_80 / _32
    case 7: return 2 * (16 + 12);          // SRTP_AEAD_AES_128_GCM
    case 8: return 2 * (32 + 12);          // SRTP_AEAD_AES_256_GCM
    default: return 0;
  }
}

absl::StatusOr<std::pair<srtp::SrtpKey, srtp::SrtpKey>> SrtpKeysOf(
    uint16_t profile, absl::Span<const uint8_t> keying_material) {
  srtp::SrtpSuite suite;
  switch (profile) {
    case 1: suite = srtp::SrtpSuite::kAesCm128HmacSha1_80; break;
    case 2: suite = srtp::SrtpSuite::kAesCm128HmacSha1_32; break;
    case 7: suite = srtp::SrtpSuite::kAeadAes128Gcm; break;
    case 8: suite = srtp::SrtpSuite::kAeadAes256Gcm; break;
    default: return absl::InvalidArgumentError(absl::StrCat("SRTP profile ", profile, " is not one rtparchive reads"));
  }
  if (keying_material.size() != KeyingMaterialBytes(profile)) {
    return absl::InvalidArgumentError("keying material of the wrong length for its SRTP profile");
  }
  const size_t key_bytes = profile == 8 ? 32 : 16, salt_bytes = profile >= 7 ? 12 : 14;
  // RFC 5764 §4.2: client key, server key, client salt, server salt.
  auto key_of = [&](size_t key_at, size_t salt_at) {
    srtp::SrtpKey key;
    key.suite = suite;
    key.key_salt.assign(keying_material.begin() + key_at, keying_material.begin() + key_at + key_bytes);
    key.key_salt.insert(key.key_salt.end(), keying_material.begin() + salt_at,
                        keying_material.begin() + salt_at + salt_bytes);
    return key;
  };
  return std::make_pair(key_of(0, 2 * key_bytes), key_of(key_bytes, 2 * key_bytes + salt_bytes));
}

bool StartsDtlsHello(absl::Span<const uint8_t> datagram) {
  return datagram.size() >= 25 && datagram[0] == kHandshakeRecord && datagram[1] == 0xfe &&
         (datagram[2] == 0xfd || datagram[2] == 0xff) && datagram[3] == 0 && datagram[4] == 0 &&
         (datagram[13] == kClientHello || datagram[13] == kServerHello);
}

std::vector<srtp::SrtpKey> DtlsKeyFinder::Offer(const std::string& from, const std::string& to,
                                                absl::Span<const uint8_t> datagram) {
  std::vector<srtp::SrtpKey> keys;
  ByteReader records(datagram);
  uint8_t type = 0;
  uint16_t version = 0, epoch = 0, length = 0;
  bool read_all = true;
  while (records.remaining() > 0) {
    absl::Span<const uint8_t> record;
    if (!records.ReadU8(&type) || !records.ReadU16(&version) || !records.ReadU16(&epoch) ||
        !records.Skip(6) || !records.ReadU16(&length) || !records.ReadBytes(length, &record)) {
      read_all = false;
      break;
    }
    ByteReader messages(record);
    if (type != kHandshakeRecord || epoch != 0) continue;  // encrypted or not a handshake
    uint8_t message = 0;
    uint32_t message_length = 0, fragment_offset = 0, fragment_length = 0;
    uint16_t sequence = 0;
    absl::Span<const uint8_t> body;
    while (messages.ReadU8(&message) && messages.ReadU24(&message_length) && messages.ReadU16(&sequence) &&
           messages.ReadU24(&fragment_offset) && messages.ReadU24(&fragment_length) &&
           messages.ReadBytes(fragment_length, &body)) {
      if (message != kClientHello && message != kServerHello) continue;
      Hello hello;
      if (message == kClientHello) {
        // Only its random is needed: the first fragment has it (a peer with
        // a small MTU, such as GStreamer's, splits its ClientHello).
        if (fragment_offset != 0) continue;
        if (!ReadHello(message, body, &hello.random, &hello.cipher_suite, &hello.srtp_profile)) {
          read_all = false;
          continue;
        }
        auto [at, added] = client_randoms_.insert_or_assign({from, to}, hello.random);
        if (added) arrival_order_.push_back(at->first);
        if (arrival_order_.size() > kMaxWaitingHandshakes) {
          const auto& [client, server] = arrival_order_.front();
          server_hellos_.erase({server, client});
          client_randoms_.erase(arrival_order_.front());
          arrival_order_.erase(arrival_order_.begin());
        }
        continue;
      }
      auto client = client_randoms_.find({to, from});
      if (client == client_randoms_.end()) continue;  // its ClientHello was not captured
      // A ServerHello is read whole: its fragments are joined in order.
      std::vector<uint8_t>& joined = server_hellos_[{from, to}];
      if (message_length > kMaxServerHelloBytes || fragment_offset != joined.size() ||
          joined.size() + body.size() > message_length) {
        server_hellos_.erase({from, to});
        read_all = false;
        continue;
      }
      joined.insert(joined.end(), body.begin(), body.end());
      if (joined.size() < message_length) continue;
      const std::vector<uint8_t> whole = std::move(joined);
      server_hellos_.erase({from, to});
      if (!ReadHello(message, whole, &hello.random, &hello.cipher_suite, &hello.srtp_profile)) {
        read_all = false;
        continue;
      }
      for (srtp::SrtpKey& key : Keys(client->second, hello)) keys.push_back(std::move(key));
      arrival_order_.erase(std::find(arrival_order_.begin(), arrival_order_.end(), client->first));
      client_randoms_.erase(client);
    }
  }
  if (!read_all) ++counts_.unreadable;
  return keys;
}

std::vector<srtp::SrtpKey> DtlsKeyFinder::Keys(const std::vector<uint8_t>& client_random,
                                               const Hello& server) {
  const size_t bytes = KeyingMaterialBytes(server.srtp_profile);
  if (bytes == 0) {
    ++counts_.no_srtp_profile;
    return {};
  }
  auto secret = secrets_.find(client_random);
  if (secret == secrets_.end()) {
    ++counts_.not_in_key_log;
    return {};
  }
  // RFC 5705 without a context: PRF(master secret, label, client random + server random).
  std::vector<uint8_t> seed(kExporterLabel, kExporterLabel + sizeof(kExporterLabel) - 1);
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  seed.insert(seed.end(), server.random.begin(), server.random.end());
  auto keys = SrtpKeysOf(server.srtp_profile, Prf(PrfHash(server.cipher_suite), secret->second, seed, bytes));
  if (!keys.ok()) return {};
  ++counts_.handshakes_keyed;
  return {keys->first, keys->second};
}

}  // namespace rtparchive::webrtc
