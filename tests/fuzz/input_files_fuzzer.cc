// Fuzz target: the text inputs a user hands to replay: session file, events
// file, SDP. Each either parses or says why; none may crash or hang.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "replay/events_file.h"
#include "sdp/sdp_file.h"
#include "replay/session_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto session = rtparchive::replay::ParseSessionFile(text);
  if (session.ok()) {
    for (const auto& stream : session->streams) {
      if (!rtparchive::IsValidId(stream.options.stream_id)) std::abort();
    }
  } else if (session.status().message().empty()) {
    std::abort();  // every refusal says why
  }
  auto events = rtparchive::replay::ParseEventsFile(text);
  if (events.ok()) {
    for (const auto& event : *events) {
      if (event.offset_ms.has_value() == event.time_ms.has_value()) std::abort();
    }
  }
  auto sdp = rtparchive::sdp::ParseSdp(text);
  if (sdp.ok()) {
    for (const auto& [payload_type, format] : sdp->PayloadTypes()) {
      if (payload_type < 0 || payload_type > 127 || format.clock_rate_hz <= 0) std::abort();
    }
    for (const auto& section : sdp->media) {
      for (const auto& [id, uri] : section.header_extensions) {
        if (id < 1 || id > 255) std::abort();
      }
    }
  }
  return 0;
}
