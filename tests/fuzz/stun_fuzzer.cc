// Fuzz target: STUN from anyone who can reach a WebRTC media port (binding
// requests before ICE has checked anything), parsed and checked as the
// ICE-lite agent does. Input: the datagram.
#include <cstddef>
#include <cstdint>

#include "webrtc/stun_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Span<const uint8_t> datagram(data, size);
  auto message = rtparchive::webrtc::ParseStun(datagram);
  if (!message.ok()) return 0;
  rtparchive::webrtc::IntegrityMatches(datagram, *message, "VOkJxbRl1RmTxUk/WvJxBt");
  rtparchive::webrtc::FingerprintMatches(datagram, *message);
  if (message->message_class == rtparchive::webrtc::StunClass::kRequest) {
    // Whatever the request, the answer built for it parses and checks.
    rtparchive::webrtc::TransportAddress from;
    from.port = 5000;
    const auto answer = rtparchive::webrtc::BindingSuccess(message->transaction_id, from, "pw");
    auto parsed = rtparchive::webrtc::ParseStun(answer);
    if (!parsed.ok() || !rtparchive::webrtc::IntegrityMatches(answer, *parsed, "pw") ||
        !rtparchive::webrtc::FingerprintMatches(answer, *parsed)) {
      __builtin_trap();
    }
  }
  return 0;
}
