#include "webrtc/stun_message.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace rtparchive::webrtc {
namespace {

constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr uint32_t kFingerprintXor = 0x5354554e;
constexpr size_t kHeaderBytes = 20;
constexpr size_t kIntegrityBytes = 20;

enum Attribute : uint16_t {
  kXorMappedAddress = 0x0020,
  kUsername = 0x0006,
  kMessageIntegrity = 0x0008,
  kErrorCode = 0x0009,
  kPriority = 0x0024,
  kUseCandidate = 0x0025,
  kFingerprint = 0x8028,
  kIceControlled = 0x8029,
  kIceControlling = 0x802A,
};

uint16_t Read16(const uint8_t* at) { return static_cast<uint16_t>(at[0] << 8 | at[1]); }
uint32_t Read32(const uint8_t* at) {
  return uint32_t{at[0]} << 24 | uint32_t{at[1]} << 16 | uint32_t{at[2]} << 8 | at[3];
}
uint64_t Read64(const uint8_t* at) { return uint64_t{Read32(at)} << 32 | Read32(at + 4); }

void Put16(std::vector<uint8_t>* out, uint16_t value) {
  out->push_back(static_cast<uint8_t>(value >> 8));
  out->push_back(static_cast<uint8_t>(value));
}
void Put32(std::vector<uint8_t>* out, uint32_t value) {
  Put16(out, static_cast<uint16_t>(value >> 16));
  Put16(out, static_cast<uint16_t>(value));
}

// The message's length field (bytes 2-3) set to end where `end` does.
void SetLength(std::vector<uint8_t>* message, size_t end) {
  const size_t length = end - kHeaderBytes;
  (*message)[2] = static_cast<uint8_t>(length >> 8);
  (*message)[3] = static_cast<uint8_t>(length);
}

std::array<uint8_t, 20> HmacSha1(absl::string_view key, absl::Span<const uint8_t> data) {
  std::array<uint8_t, 20> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
       digest.data(), &size);
  return digest;
}

uint32_t Crc32(absl::Span<const uint8_t> data) {
  return static_cast<uint32_t>(crc32(0, data.data(), static_cast<uInt>(data.size())));
}

// The first `bytes` of `datagram` with the length field saying the message
// ends `bytes_after` further on: what MESSAGE-INTEGRITY and FINGERPRINT cover.
std::vector<uint8_t> CoveredPart(absl::Span<const uint8_t> datagram, size_t bytes,
                                 size_t bytes_after) {
  std::vector<uint8_t> covered(datagram.begin(), datagram.begin() + bytes);
  SetLength(&covered, bytes + bytes_after);
  return covered;
}

std::optional<TransportAddress> ReadXorAddress(const uint8_t* value, size_t size,
                                               const uint8_t* header) {
  if (size < 8 || value[0] != 0) return std::nullopt;
  TransportAddress address;
  address.port = Read16(value + 2) ^ static_cast<uint16_t>(kMagicCookie >> 16);
  if (value[1] == 1 && size == 8) {
    for (int i = 0; i < 4; ++i) address.address[i] = value[4 + i] ^ header[4 + i];
  } else if (value[1] == 2 && size == 20) {
    address.ipv6 = true;
    for (int i = 0; i < 16; ++i) address.address[i] = value[4 + i] ^ header[4 + i];  // cookie + ID
  } else {
    return std::nullopt;
  }
  return address;
}

std::vector<uint8_t> Header(uint16_t type, const std::array<uint8_t, 12>& transaction_id) {
  std::vector<uint8_t> message;
  message.reserve(96);
  Put16(&message, type);
  Put16(&message, 0);  // length, set as attributes are added
  Put32(&message, kMagicCookie);
  message.insert(message.end(), transaction_id.begin(), transaction_id.end());
  return message;
}

void AddFingerprint(std::vector<uint8_t>* message) {
  const size_t at = message->size();
  SetLength(message, at + 8);
  const uint32_t crc = Crc32(*message) ^ kFingerprintXor;
  Put16(message, kFingerprint);
  Put16(message, 4);
  Put32(message, crc);
}

}  // namespace

bool LooksLikeStun(absl::Span<const uint8_t> datagram) {
  return datagram.size() >= kHeaderBytes && datagram[0] < 4 && Read32(&datagram[4]) == kMagicCookie;
}

absl::StatusOr<StunMessage> ParseStun(absl::Span<const uint8_t> datagram) {
  if (!LooksLikeStun(datagram)) return absl::InvalidArgumentError("not a STUN message");
  const size_t length = Read16(&datagram[2]);
  if (length % 4 != 0 || kHeaderBytes + length != datagram.size()) {
    return absl::InvalidArgumentError("the STUN length disagrees with the datagram");
  }
  StunMessage message;
  const uint16_t type = Read16(&datagram[0]);
  message.method = static_cast<uint16_t>((type & 0x000f) | (type & 0x00e0) >> 1 | (type & 0x3e00) >> 2);
  message.message_class = static_cast<StunClass>((type >> 4 & 1) | (type >> 7 & 2));
  std::memcpy(message.transaction_id.data(), &datagram[8], 12);
  for (size_t at = kHeaderBytes; at < datagram.size();) {
    if (at + 4 > datagram.size()) return absl::InvalidArgumentError("a STUN attribute header is cut");
    const uint16_t attribute = Read16(&datagram[at]);
    const size_t size = Read16(&datagram[at + 2]);
    const size_t padded = (size + 3) & ~size_t{3};
    if (at + 4 + padded > datagram.size()) {
      return absl::InvalidArgumentError("a STUN attribute runs past the message");
    }
    if (message.fingerprint_at) return absl::InvalidArgumentError("an attribute after FINGERPRINT");
    if (message.integrity_at && attribute != kFingerprint) {
      return absl::InvalidArgumentError("an attribute after MESSAGE-INTEGRITY");
    }
    const uint8_t* value = datagram.data() + at + 4;  // may be the end: a value of 0 bytes
    switch (attribute) {
      case kUsername:
        if (size > 513) return absl::InvalidArgumentError("USERNAME over 513 bytes");
        message.username = std::string(reinterpret_cast<const char*>(value), size);
        break;
      case kMessageIntegrity:
        if (size != kIntegrityBytes) return absl::InvalidArgumentError("MESSAGE-INTEGRITY is not 20 bytes");
        message.integrity_at = at;
        break;
      case kFingerprint:
        if (size != 4) return absl::InvalidArgumentError("FINGERPRINT is not 4 bytes");
        message.fingerprint_at = at;
        break;
      case kPriority:
        if (size != 4) return absl::InvalidArgumentError("PRIORITY is not 4 bytes");
        message.priority = Read32(value);
        break;
      case kUseCandidate:
        message.use_candidate = true;
        break;
      case kIceControlling:
      case kIceControlled:
        if (size != 8) return absl::InvalidArgumentError("ICE-CONTROLLING/CONTROLLED is not 8 bytes");
        (attribute == kIceControlling ? message.ice_controlling : message.ice_controlled) = Read64(value);
        break;
      case kXorMappedAddress:
        message.xor_mapped_address = ReadXorAddress(value, size, datagram.data());
        if (!message.xor_mapped_address) return absl::InvalidArgumentError("a malformed XOR-MAPPED-ADDRESS");
        break;
      case kErrorCode:
        if (size < 4) return absl::InvalidArgumentError("ERROR-CODE under 4 bytes");
        message.error_code = (value[2] & 7) * 100 + value[3];
        break;
      default:
        break;  // comprehension-optional or unknown: ignored, as an ICE agent may
    }
    at += 4 + padded;
  }
  return message;
}

bool IntegrityMatches(absl::Span<const uint8_t> datagram, const StunMessage& message,
                      absl::string_view password) {
  if (!message.integrity_at || *message.integrity_at + 4 + kIntegrityBytes > datagram.size()) {
    return false;
  }
  const size_t at = *message.integrity_at;
  const auto expected = HmacSha1(password, CoveredPart(datagram, at, 4 + kIntegrityBytes));
  return CRYPTO_memcmp(expected.data(), &datagram[at + 4], kIntegrityBytes) == 0;
}

bool FingerprintMatches(absl::Span<const uint8_t> datagram, const StunMessage& message) {
  if (!message.fingerprint_at || *message.fingerprint_at + 8 > datagram.size()) return false;
  const size_t at = *message.fingerprint_at;
  return (Crc32(CoveredPart(datagram, at, 8)) ^ kFingerprintXor) == Read32(&datagram[at + 4]);
}

std::vector<uint8_t> BindingSuccess(const std::array<uint8_t, 12>& transaction_id,
                                    const TransportAddress& mapped, absl::string_view password) {
  std::vector<uint8_t> message = Header(0x0101, transaction_id);
  Put16(&message, kXorMappedAddress);
  Put16(&message, mapped.ipv6 ? 20 : 8);
  message.push_back(0);
  message.push_back(mapped.ipv6 ? 2 : 1);
  Put16(&message, mapped.port ^ static_cast<uint16_t>(kMagicCookie >> 16));
  for (size_t i = 0; i < (mapped.ipv6 ? 16u : 4u); ++i) {
    message.push_back(mapped.address[i] ^ message[4 + i]);  // magic cookie, then transaction ID
  }
  const size_t integrity_at = message.size();
  SetLength(&message, integrity_at + 4 + kIntegrityBytes);
  const auto digest = HmacSha1(password, message);
  Put16(&message, kMessageIntegrity);
  Put16(&message, kIntegrityBytes);
  message.insert(message.end(), digest.begin(), digest.end());
  AddFingerprint(&message);
  return message;
}

std::vector<uint8_t> BindingError(const std::array<uint8_t, 12>& transaction_id, int code,
                                  absl::string_view reason) {
  std::vector<uint8_t> message = Header(0x0111, transaction_id);
  const std::string text(reason.substr(0, 128));
  Put16(&message, kErrorCode);
  Put16(&message, static_cast<uint16_t>(4 + text.size()));
  Put16(&message, 0);
  message.push_back(static_cast<uint8_t>(code / 100));
  message.push_back(static_cast<uint8_t>(code % 100));
  message.insert(message.end(), text.begin(), text.end());
  while (message.size() % 4 != 0) message.push_back(0);
  AddFingerprint(&message);
  return message;
}

}  // namespace rtparchive::webrtc
