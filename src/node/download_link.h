// Download links that need no auth header, as the hosted platforms hand
// out: the archive's download path with an expiry and an HMAC-SHA256 of
// both under the API key's secret, so a link cannot be guessed or altered,
// and stops working when it expires or the secret changes.
#ifndef RTPARCHIVE_NODE_DOWNLOAD_LINK_H_
#define RTPARCHIVE_NODE_DOWNLOAD_LINK_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive::node {

inline constexpr int64_t kDownloadLinkSeconds = 600;

// "expires=<unix s>&signature=<hex>" for `archive_id`, valid until `expires_s`.
std::string DownloadLinkQuery(absl::string_view secret, absl::string_view archive_id,
                              int64_t expires_s);

// Whether `signature_hex` is the signature of `archive_id` and the text
// `expires` under `secret`, and `expires` is not before `now_s`.
bool DownloadLinkValid(absl::string_view secret, absl::string_view archive_id,
                       absl::string_view expires, absl::string_view signature_hex, int64_t now_s);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_DOWNLOAD_LINK_H_
