// One encoded frame exactly as the publisher's encoder produced it.
#ifndef RTPARCHIVE_CODEC_ENCODED_FRAME_H_
#define RTPARCHIVE_CODEC_ENCODED_FRAME_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace rtparchive::codec {

struct VideoSize {
  int width = 0;
  int height = 0;
  bool operator==(const VideoSize& o) const { return width == o.width && height == o.height; }
};

struct EncodedFrame {
  std::vector<uint8_t> data;
  uint32_t rtp_timestamp = 0;
  bool keyframe = false;              // decodable on its own (always true for audio)
  std::optional<VideoSize> size;      // from a video keyframe's header
  std::vector<uint8_t> codec_config;  // H.264 keyframes: avcC of their SPS/PPS
  // Video: the clockwise rotation the sender signalled (header extension).
  std::optional<int> rotation_degrees;
  int64_t capture_time_us = 0;        // filled in by the timing stage

  EncodedFrame() = default;
  EncodedFrame(EncodedFrame&&) = default;
  EncodedFrame& operator=(EncodedFrame&&) = default;
  EncodedFrame(const EncodedFrame&) = delete;
  EncodedFrame& operator=(const EncodedFrame&) = delete;
};

}  // namespace rtparchive::codec

#endif  // RTPARCHIVE_CODEC_ENCODED_FRAME_H_
