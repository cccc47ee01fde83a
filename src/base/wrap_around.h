// Unwrapping of the protocol's wrapping counters (16-bit RTP sequence
// numbers, 32-bit RTP timestamps) into 64-bit values that only move by the
// shortest signed distance from the previous one. All wrap-around maths of
// rtparchive lives here.
#ifndef RTPARCHIVE_BASE_WRAP_AROUND_H_
#define RTPARCHIVE_BASE_WRAP_AROUND_H_

#include <cstdint>
#include <optional>
#include <type_traits>

namespace rtparchive {

// Signed distance from `from` to `to` on a ring of 2^bits(T): positive when
// `to` is ahead by less than half the ring.
template <typename T>
int64_t ForwardDistance(T from, T to) {
  static_assert(std::is_unsigned_v<T>);
  using Signed = std::make_signed_t<T>;
  return static_cast<Signed>(static_cast<T>(to - from));
}

template <typename T>
class Unwrapper {
 public:
  // The first value unwraps to itself; later ones to last + shortest distance.
  int64_t Unwrap(T value) {
    last_ = last_ ? *last_ + ForwardDistance<T>(static_cast<T>(*last_), value) : int64_t{value};
    return *last_;
  }
  // What Unwrap(value) would return, without remembering it.
  int64_t Peek(T value) const {
    return last_ ? *last_ + ForwardDistance<T>(static_cast<T>(*last_), value) : int64_t{value};
  }

 private:
  std::optional<int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<uint16_t>;
using TimestampUnwrapper = Unwrapper<uint32_t>;

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_WRAP_AROUND_H_
