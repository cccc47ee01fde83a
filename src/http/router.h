// Routes a request to its handler by method and path pattern (an
// ECMAScript regular expression matched against the whole decoded path).
#ifndef RTPARCHIVE_HTTP_ROUTER_H_
#define RTPARCHIVE_HTTP_ROUTER_H_

#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "http/message.h"

namespace rtparchive::http {

class Router {
 public:
  using Handler = std::function<void(const Request& request, Response& response)>;

  // Routes are tried in the order added.
  void Add(const std::string& method, const std::string& pattern, Handler handler);

  // Runs the handler of the first route matching `request` (its captures in
  // request.matches). Returns the route's label: its method and pattern with
  // each group written "{}", "" when no route matched. A path with routes
  // for other methods only gets 405 and an Allow header; any other, 404;
  // both with an empty body for the caller to fill.
  std::string Dispatch(Request& request, Response& response) const;

 private:
  struct Route {
    std::string method;
    std::regex pattern;
    std::string label;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_ROUTER_H_
