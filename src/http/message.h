// An HTTP/1.1 request as the API's handlers read it, and the response they
// fill. Header names compare case-insensitively (RFC 9110 §5.1).
#ifndef RTPARCHIVE_HTTP_MESSAGE_H_
#define RTPARCHIVE_HTTP_MESSAGE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace rtparchive::http {

struct Request {
  std::string method;
  std::string path;  // percent-decoded, without the query
  std::string query;  // as sent
  std::multimap<std::string, std::string> params;  // the query, decoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::string> matches;  // the whole path, then the route's captures
  bool keep_alive = true;
  size_t content_length = 0;
  bool expects_continue = false;  // Expect: 100-continue

  bool has_header(absl::string_view name) const;
  // The first value of `name`, or "".
  std::string get_header_value(absl::string_view name) const;
  bool has_param(const std::string& name) const { return params.count(name) != 0; }
  std::string get_param_value(const std::string& name) const;
};

// One piece of a body sent from files: bytes held here (fd < 0), or `size`
// bytes of a file from `offset`. The server owns each fd from then on and
// closes it.
struct BodyPiece {
  std::string bytes;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// A body sent in pieces after the headers (sendfile(2) for the files): an
// archive's ZIP is its segment files with headers between them.
struct FileBody {
  std::vector<BodyPiece> pieces;

  bool empty() const { return pieces.empty(); }
  uint64_t size() const;
  void CloseFiles();  // and forgets the pieces
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  FileBody file;  // when not empty, sent after the headers instead of `body`

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  void set_content(std::string content, const std::string& content_type) {
    body = std::move(content);
    set_header("Content-Type", content_type);
  }
  void set_file(int fd, uint64_t size, const std::string& content_type) {
    set_pieces({{"", fd, 0, size}}, content_type);
  }
  void set_pieces(std::vector<BodyPiece> pieces, const std::string& content_type) {
    file.pieces = std::move(pieces);
    set_header("Content-Type", content_type);
  }
};

// "OK", "Not Found", ... ("Unknown" for a code without one here).
const char* ReasonPhrase(int status);

// The status line and headers of `response`, with Content-Length and Connection.
std::string SerializeHead(const Response& response, bool keep_alive);

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_MESSAGE_H_
