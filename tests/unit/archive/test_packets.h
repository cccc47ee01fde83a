// Hand-built RTP packets for the archive tests.
#ifndef RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_PACKETS_H_
#define RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_PACKETS_H_

#include <cstdint>
#include <vector>

namespace rtparchive::test {

constexpr int kVp8 = 96;
constexpr int kOpus = 111;

inline std::vector<uint8_t> Rtp(int payload_type, uint16_t seq, uint32_t timestamp, uint32_t ssrc,
                                bool marker, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> packet = {0x80,
                                 static_cast<uint8_t>((marker ? 0x80 : 0) | payload_type),
                                 static_cast<uint8_t>(seq >> 8),
                                 static_cast<uint8_t>(seq),
                                 static_cast<uint8_t>(timestamp >> 24),
                                 static_cast<uint8_t>(timestamp >> 16),
                                 static_cast<uint8_t>(timestamp >> 8),
                                 static_cast<uint8_t>(timestamp),
                                 static_cast<uint8_t>(ssrc >> 24),
                                 static_cast<uint8_t>(ssrc >> 16),
                                 static_cast<uint8_t>(ssrc >> 8),
                                 static_cast<uint8_t>(ssrc)};
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

// VP8 payload: descriptor S=1 PID=0, then a keyframe header (320x240) or an
// inter frame byte.
inline std::vector<uint8_t> Vp8Frame(bool keyframe, uint8_t tag) {
  if (keyframe) return {0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, tag};
  return {0x10, 0x01, tag};
}

}  // namespace rtparchive::test

#endif  // RTPARCHIVE_TESTS_UNIT_ARCHIVE_TEST_PACKETS_H_
