// Parses an HTTP/1.1 request head (RFC 9112 §2-§6) from the bytes a
// connection has read so far. Untrusted input: every limit is checked
// before anything grows, and a refusal names the status to answer.
#ifndef RTPARCHIVE_HTTP_REQUEST_PARSER_H_
#define RTPARCHIVE_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "http/message.h"

namespace rtparchive::http {

struct HeadLimits {
  size_t max_head_bytes = 16 * 1024;  // request line and headers
  size_t max_target_bytes = 8 * 1024;
  size_t max_headers = 100;
  size_t max_params = 100;
};

struct HeadResult {
  enum Kind { kIncomplete, kComplete, kRefused } kind = kIncomplete;
  size_t head_size = 0;  // kComplete: bytes up to and including the blank line
  int status = 0;        // kRefused: 400, 411, 414, 431, 501 or 505
  std::string message;   // kRefused: why, for the answer's body
};

// Fills `request` (method, path, query, params, headers, keep_alive,
// content_length, expects_continue) when the head is complete.
HeadResult ParseRequestHead(absl::string_view bytes, const HeadLimits& limits, Request* request);

// Percent-decodes `text` (and '+' as a space when `plus_is_space`); false
// on a malformed escape.
bool PercentDecode(absl::string_view text, bool plus_is_space, std::string* decoded);

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_REQUEST_PARSER_H_
