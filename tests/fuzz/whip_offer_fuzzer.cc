// Fuzz target: the SDP offer of a WHIP POST (untrusted text from anyone with
// a token, or anyone at all before the token is checked by a proxy), read
// and answered as the node does. Input: the offer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "webrtc/whip_sdp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto offer = rtparchive::webrtc::ParseOffer(std::string(reinterpret_cast<const char*>(data), size));
  if (!offer.ok()) return 0;
  if (offer->sections.empty() || offer->ice_ufrag.empty() || offer->fingerprint.empty()) __builtin_trap();
  auto answer = rtparchive::webrtc::BuildAnswer(
      *offer, {"ufrag", "password0123456789012345", "sha-256 AB", "192.0.2.1", 40000, std::nullopt});
  // An answer names only what the offer had: it is never larger than a
  // bound of the offer's size (no unbounded growth from a small offer).
  if (answer.ok() && answer->size() > 1024 + 8 * size) __builtin_trap();
  return 0;
}
