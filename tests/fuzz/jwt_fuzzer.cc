// Fuzz target: the X-OPENTOK-AUTH header the node verifies (an HS256 JWT,
// untrusted bytes from any client of the API). Input: the header's value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  auto claims = rtparchive::node::VerifyHs256Jwt(token, "s3cret", 1'800'000'000, 60);
  // Nothing signed with another key can pass.
  if (claims.ok() && rtparchive::node::VerifyHs256Jwt(token, "other", 1'800'000'000, 60).ok()) {
    __builtin_trap();
  }
  return 0;
}
