#include "node/download_link.h"

#include <openssl/crypto.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "node/jwt.h"

namespace rtparchive::node {
namespace {

std::string Signature(absl::string_view secret, absl::string_view archive_id,
                      absl::string_view expires) {
  return absl::BytesToHexString(
      HmacSha256(secret, absl::StrCat("download\n", archive_id, "\n", expires)));
}

}  // namespace

std::string DownloadLinkQuery(absl::string_view secret, absl::string_view archive_id,
                              int64_t expires_s) {
  const std::string expires = absl::StrCat(expires_s);
  return absl::StrCat("expires=", expires, "&signature=", Signature(secret, archive_id, expires));
}

bool DownloadLinkValid(absl::string_view secret, absl::string_view archive_id,
                       absl::string_view expires, absl::string_view signature_hex, int64_t now_s) {
  int64_t expires_s = 0;
  if (!absl::SimpleAtoi(expires, &expires_s) || expires_s < now_s) return false;
  const std::string expected = Signature(secret, archive_id, expires);
  return signature_hex.size() == expected.size() &&
         CRYPTO_memcmp(signature_hex.data(), expected.data(), expected.size()) == 0;
}

}  // namespace rtparchive::node
