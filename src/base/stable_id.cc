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

namespace {

// SplitMix64's finaliser: spreads FNV's weak high bits, so IDs of similar
// texts do not look alike.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::string StableUuid(absl::string_view text) {
  const uint64_t high = Mix(Fnv1a64(text));
  // A second, differently seeded pass fills the low half.
  const uint64_t low = Mix(Fnv1a64(text, high ^ 0x9e3779b97f4a7c15ull));
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xfff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffull);
}

}  // namespace rtparchive
