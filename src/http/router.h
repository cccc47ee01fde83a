// Routes a request to its handler by method and path pattern. A pattern is
// literal text with captures written as in a regular expression, of the
// few kinds the API's paths need: (\d+) digits, ([\w.-]+) an ID of letters,
// digits, '_', '.' and '-', ([^/]+) any path segment; and an optional
// trailing slash, "/?". Matching is linear in the path and needs no stack
// (std::regex recurses per character, on paths a client chooses).
#ifndef RTPARCHIVE_HTTP_ROUTER_H_
#define RTPARCHIVE_HTTP_ROUTER_H_

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace rtparchive::http {

class Router {
 public:
  using Handler = std::function<void(const Request& request, Response& response)>;

  // Routes are tried in the order added. A pattern with any other regular
  // expression syntax is a programming error: Add aborts.
  void Add(const std::string& method, const std::string& pattern, Handler handler);

  // Runs the handler of the first route matching `request` (the whole path
  // in request.matches[0], the captures after it). Returns the route's
  // label: its method and pattern with each capture written "{}", "" when
  // no route matched. A path with routes for other methods only gets 405
  // and an Allow header; any other, 404; both with an empty body for the
  // caller to fill.
  std::string Dispatch(Request& request, Response& response) const;

 private:
  struct Token {
    enum Kind { kLiteral, kDigits, kId, kSegment } kind = kLiteral;
    std::string text;  // kLiteral
  };
  struct Route {
    std::string method;
    std::vector<Token> tokens;
    bool optional_slash = false;
    std::string label;
    Handler handler;
  };
  static bool Match(const Route& route, const std::string& path, std::vector<std::string>* captures);
  std::vector<Route> routes_;
};

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_ROUTER_H_
