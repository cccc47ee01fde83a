// Text kept on disk that must not be there in the clear (a storage target's
// keys in the node's state): sealed with AES-256-GCM under a key derived
// from the API key's secret, which lives only in the node's config file.
// Opening checks the tag, so a changed file or another secret fails.
#ifndef RTPARCHIVE_NODE_SEALED_TEXT_H_
#define RTPARCHIVE_NODE_SEALED_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rtparchive::node {

// base64(nonce | ciphertext | tag).
std::string Seal(absl::string_view api_secret, absl::string_view text);
// InvalidArgument when `sealed` is not one, or not sealed under this secret.
absl::StatusOr<std::string> Unseal(absl::string_view api_secret, absl::string_view sealed);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_SEALED_TEXT_H_
