// The digests and encodings the stores ask for, from OpenSSL: SHA-256 (S3's
// payload hash), MD5 (Content-MD5, ETags), HMAC-SHA256 (Azure's Shared Key)
// and base64.
#ifndef RTPARCHIVE_STORAGE_DIGESTS_H_
#define RTPARCHIVE_STORAGE_DIGESTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/byte_source.h"

namespace rtparchive::storage {

struct RangeDigests {
  std::string sha256_hex;  // lower-case hex
  std::string md5;         // 16 raw bytes
};

// Of bytes [offset, offset + length) of `source`, read once.
absl::StatusOr<RangeDigests> DigestRange(const ByteSource& source, uint64_t offset, uint64_t length);

std::string Sha256Hex(absl::string_view bytes);
std::string Md5(absl::string_view bytes);  // raw
std::string HmacSha256(absl::string_view key, absl::string_view message);  // raw
std::string Hex(absl::string_view bytes);
std::string Base64(absl::string_view bytes);
// nullopt when `text` is no base64.
std::optional<std::string> FromBase64(absl::string_view text);

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_DIGESTS_H_
