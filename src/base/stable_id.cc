#include "base/stable_id.h"

#include "absl/strings/str_format.h"

namespace rtparchive {

uint64_t Fnv1a64(absl::string_view text, uint64_t seed) {
  uint64_t hash = seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string StableUuid(absl::string_view text) {
  const uint64_t high = Fnv1a64(text);
  // A second, differently seeded pass fills the low half.
  const uint64_t low = Fnv1a64(text, high ^ 0x9e3779b97f4a7c15ull);
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xfff, 0x8000 | ((low >> 48) & 0x3fff),
                         low & 0xffffffffffffull);
}

}  // namespace rtparchive
