// minimal_recorder: the smallest recording node, to copy from. It records one
// publisher's RTP (VP8 or H.264 video and Opus audio, as payload types 96 and
// 111 or as an SDP says) from a pcap capture into an individual stream
// archive, and prints the archive's manifest.
//
//   minimal_recorder CAPTURE.pcap ARCHIVE.zip [PUBLISHER.sdp]
//
// A live node does the same with packets from its sockets: AddStream when a
// publisher arrives, PushPacket for each of its RTP and RTCP packets with the
// arrival time, RemoveStream when it leaves, Stop at the end. Captures of
// Ethernet frames carrying IPv4/UDP are read; other frames are skipped.
#include <pcap/pcap.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "rtparchive/archive.h"

namespace {

// The UDP payload of an Ethernet + IPv4 frame, or an empty span.
absl::Span<const uint8_t> UdpPayload(const uint8_t* frame, size_t size) {
  constexpr size_t kEthernet = 14;
  if (size < kEthernet + 20 || frame[12] != 0x08 || frame[13] != 0x00) return {};
  const uint8_t* ip = frame + kEthernet;
  const size_t ip_header = (ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ip[9] != 17 || size < kEthernet + ip_header + 8) return {};
  const uint8_t* udp = ip + ip_header;
  const size_t udp_length = (udp[4] << 8) | udp[5];
  if (udp_length < 8 || kEthernet + ip_header + udp_length > size) return {};
  return {udp + 8, udp_length - 8};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: minimal_recorder CAPTURE.pcap ARCHIVE.zip [PUBLISHER.sdp]\n";
    return 2;
  }
  rtparchive::ArchiveOptions options;
  options.id = "b40ef09b-3811-4726-b508-e41a0f96c68f";
  options.name = "minimal recorder";
  options.output_path = argv[2];
  options.on_log = [](absl::string_view line) { std::cerr << line << "\n"; };
  auto archive = rtparchive::Archive::Start(options);
  if (!archive.ok()) {
    std::cerr << archive.status() << "\n";
    return 1;
  }

  rtparchive::StreamOptions stream;
  stream.stream_id = "publisher-1";
  if (argc > 3) {
    std::ifstream file(argv[3]);
    std::stringstream sdp;
    sdp << file.rdbuf();
    if (absl::Status described = rtparchive::DescribeStreamFromSdp(sdp.str(), &stream); !described.ok()) {
      std::cerr << argv[3] << ": " << described << "\n";
      return 1;
    }
  } else {
    stream.payload_types[96] = {rtparchive::PayloadFormat::kVp8, 90000};
    stream.payload_types[111] = {rtparchive::PayloadFormat::kOpus, 48000};
  }
  if (absl::Status added = (*archive)->AddStream(stream); !added.ok()) {
    std::cerr << added << "\n";
    return 1;
  }

  char error[PCAP_ERRBUF_SIZE];
  pcap_t* capture = pcap_open_offline(argv[1], error);
  if (capture == nullptr) {
    std::cerr << argv[1] << ": " << error << "\n";
    return 1;
  }
  pcap_pkthdr* header;
  const u_char* frame;
  while (pcap_next_ex(capture, &header, &frame) == 1) {
    absl::Span<const uint8_t> packet = UdpPayload(frame, header->caplen);
    if (packet.empty()) continue;
    const int64_t arrival_us = header->ts.tv_sec * int64_t{1'000'000} + header->ts.tv_usec;
    // Bad packets are counted in the result, not errors; an error means the
    // archive cannot go on (writing failed).
    if (absl::Status pushed = (*archive)->PushPacket(stream.stream_id, packet, arrival_us); !pushed.ok()) {
      std::cerr << pushed << "\n";
      return 1;
    }
  }
  pcap_close(capture);

  absl::StatusOr<rtparchive::ArchiveResult> result = (*archive)->Stop();
  if (!result.ok()) {
    std::cerr << result.status() << "\n";
    return 1;
  }
  std::cout << result->manifest_json << "\n";
  return 0;
}
