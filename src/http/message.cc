#include "http/message.h"

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rtparchive::http {

bool Request::has_header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

std::string Request::get_header_value(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string Request::get_param_value(const std::string& name) const {
  auto found = params.find(name);
  return found == params.end() ? "" : found->second;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

uint64_t FileBody::size() const {
  uint64_t total = 0;
  for (const BodyPiece& piece : pieces) total += piece.fd >= 0 ? piece.size : piece.bytes.size();
  return total;
}

void FileBody::CloseFiles() {
  for (const BodyPiece& piece : pieces) {
    if (piece.fd >= 0) ::close(piece.fd);
  }
  pieces.clear();
}

std::string SerializeHead(const Response& response, bool keep_alive) {
  std::string head = absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
                                  "\r\n");
  for (const auto& [name, value] : response.headers) absl::StrAppend(&head, name, ": ", value, "\r\n");
  const uint64_t length = response.file.empty() ? response.body.size() : response.file.size();
  // 1xx, 204 and 304 answers carry no body and no length (RFC 9110 §8.6).
  if (response.status >= 200 && response.status != 204 && response.status != 304) {
    absl::StrAppend(&head, "Content-Length: ", length, "\r\n");
  }
  absl::StrAppend(&head, keep_alive ? "" : "Connection: close\r\n", "\r\n");
  return head;
}

}  // namespace rtparchive::http
