#include "http/request_parser.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rtparchive::http {
namespace {

// tchar of RFC 9110 §5.6.2.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

bool HasControlCharacter(absl::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

bool ContainsIgnoreCase(absl::string_view text, absl::string_view word) {
  return absl::StrContains(absl::AsciiStrToLower(text), word);
}

HeadResult Refuse(int status, std::string message) {
  HeadResult result;
  result.kind = HeadResult::kRefused;
  result.status = status;
  result.message = std::move(message);
  return result;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The request line "METHOD /path?query HTTP/1.1".
std::optional<HeadResult> ParseRequestLine(absl::string_view line, const HeadLimits& limits,
                                           Request* request) {
  std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
  if (parts.size() != 3 || !IsToken(parts[0])) {
    return Refuse(400, "the request line is not \"METHOD /path HTTP/1.1\"");
  }
  if (parts[1].size() > limits.max_target_bytes) {
    return Refuse(414, absl::StrCat("the request target is over ", limits.max_target_bytes, " bytes"));
  }
  if (parts[2] != "HTTP/1.1" && parts[2] != "HTTP/1.0") {
    if (!absl::StartsWith(parts[2], "HTTP/")) return Refuse(400, "the request line has no HTTP version");
    return Refuse(505, "only HTTP/1.1 and HTTP/1.0 are served");
  }
  if (parts[1].empty() || parts[1][0] != '/') {
    return Refuse(400, "the request target must be a path starting with '/'");
  }
  request->method = std::string(parts[0]);
  request->keep_alive = parts[2] == "HTTP/1.1";
  const size_t question = parts[1].find('?');
  const absl::string_view path = parts[1].substr(0, question);
  request->query = question == absl::string_view::npos ? "" : std::string(parts[1].substr(question + 1));
  if (!PercentDecode(path, /*plus_is_space=*/false, &request->path)) {
    return Refuse(400, "the path has a malformed %-escape");
  }
  if (HasControlCharacter(request->path)) return Refuse(400, "the path holds a control character");
  request->params.clear();
  if (request->query.empty()) return std::nullopt;
  for (absl::string_view pair : absl::StrSplit(request->query, '&', absl::SkipEmpty())) {
    if (request->params.size() >= limits.max_params) {
      return Refuse(400, absl::StrCat("the query has over ", limits.max_params, " parameters"));
    }
    const size_t equals = pair.find('=');
    std::string name, value;
    if (!PercentDecode(pair.substr(0, equals), true, &name) ||
        (equals != absl::string_view::npos && !PercentDecode(pair.substr(equals + 1), true, &value))) {
      return Refuse(400, "the query has a malformed %-escape");
    }
    request->params.emplace(std::move(name), std::move(value));
  }
  return std::nullopt;
}

// Content-Length, Transfer-Encoding, Connection and Expect, once all headers are read.
std::optional<HeadResult> ReadFramingHeaders(Request* request) {
  bool has_length = false;
  for (const auto& [name, value] : request->headers) {
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t length = 0;
      if (value.empty() || value.size() > 18 || !absl::c_all_of(value, absl::ascii_isdigit) ||
          !absl::SimpleAtoi(value, &length) || (has_length && length != request->content_length)) {
        return Refuse(400, "Content-Length must be one decimal number");
      }
      has_length = true;
      request->content_length = static_cast<size_t>(length);
    } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      // Chunked request bodies are not taken: every API body is small and
      // its length known to the client (RFC 9112 §6.3 allows 411).
      if (ContainsIgnoreCase(value, "chunked")) {
        return Refuse(411, "send the body with a Content-Length, not chunked");
      }
      return Refuse(501, absl::StrCat("Transfer-Encoding ", value.substr(0, 40), " is not supported"));
    } else if (absl::EqualsIgnoreCase(name, "Connection")) {
      if (ContainsIgnoreCase(value, "close")) request->keep_alive = false;
      if (ContainsIgnoreCase(value, "keep-alive")) request->keep_alive = true;
    } else if (absl::EqualsIgnoreCase(name, "Expect")) {
      request->expects_continue = absl::EqualsIgnoreCase(value, "100-continue");
    }
  }
  return std::nullopt;
}

}  // namespace

bool PercentDecode(absl::string_view text, bool plus_is_space, std::string* decoded) {
  decoded->clear();
  decoded->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) return false;
      decoded->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      decoded->push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return true;
}

HeadResult ParseRequestHead(absl::string_view whole, const HeadLimits& limits, Request* request) {
  // A client may send blank lines before a request (RFC 9112 §2.2).
  const size_t blank = std::min(whole.find_first_not_of("\r\n"), whole.size());
  const absl::string_view bytes = whole.substr(blank);
  const size_t end = bytes.find("\r\n\r\n");
  const size_t bare_end = bytes.find("\n\n");
  size_t head_size = 0;
  if (end != absl::string_view::npos && (bare_end == absl::string_view::npos || end < bare_end)) {
    head_size = end + 4;
  } else if (bare_end != absl::string_view::npos) {
    head_size = bare_end + 2;
  }
  // A request line over the target limit is refused before its end arrives.
  const size_t line_end = bytes.find('\n');
  if (std::min(line_end, bytes.size()) > limits.max_target_bytes + 64) {
    return Refuse(414, absl::StrCat("the request target is over ", limits.max_target_bytes, " bytes"));
  }
  if (head_size == 0 || head_size > limits.max_head_bytes) {
    if (head_size == 0 && bytes.size() <= limits.max_head_bytes) return HeadResult{};
    return Refuse(431, absl::StrCat("the request head is over ", limits.max_head_bytes, " bytes"));
  }
  // Lines end in CRLF; a bare LF is accepted as RFC 9112 §2.2 allows.
  std::vector<absl::string_view> lines =
      absl::StrSplit(bytes.substr(0, head_size), '\n', absl::SkipEmpty());
  for (absl::string_view& line : lines) absl::ConsumeSuffix(&line, "\r");
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return Refuse(400, "the request has no request line");
  if (auto refused = ParseRequestLine(lines[0], limits, request)) return *refused;
  request->headers.clear();
  request->content_length = 0;
  request->expects_continue = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (line.empty()) return Refuse(400, "a blank line inside the head");
    if (line[0] == ' ' || line[0] == '\t') return Refuse(400, "folded header lines are not accepted");
    if (request->headers.size() >= limits.max_headers) {
      return Refuse(431, absl::StrCat("the request has over ", limits.max_headers, " headers"));
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Refuse(400, "a header line is not \"Name: value\"");
    }
    const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    for (char c : value) {
      if (c == '\0' || c == '\r' || c == '\n') return Refuse(400, "a header value holds a control character");
    }
    request->headers.emplace_back(line.substr(0, colon), value);
  }
  if (auto refused = ReadFramingHeaders(request)) return *refused;
  HeadResult result;
  result.kind = HeadResult::kComplete;
  result.head_size = blank + head_size;
  return result;
}

}  // namespace rtparchive::http
