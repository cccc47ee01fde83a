// Deterministic identifiers: the same input text always gives the same
// UUID-shaped string, so a replayed capture names its archive and streams the
// same way every time (golden files depend on it).
#ifndef RTPARCHIVE_BASE_STABLE_ID_H_
#define RTPARCHIVE_BASE_STABLE_ID_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive {

// A 64-bit FNV-1a hash, continued from `seed`.
uint64_t Fnv1a64(absl::string_view text, uint64_t seed = 0xcbf29ce484222325ull);

// "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx" derived from `text` (version-4
// layout, not random). Not a cryptographic hash: only for naming.
std::string StableUuid(absl::string_view text);

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_STABLE_ID_H_
