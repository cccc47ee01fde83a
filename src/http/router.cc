#include "http/router.h"

#include "absl/strings/str_join.h"

namespace rtparchive::http {
namespace {

// "/v2/project/(\d+)/archive/?" -> "/v2/project/{}/archive"
std::string Label(const std::string& pattern) {
  std::string label;
  int depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '(') {
      if (depth++ == 0) label += "{}";
    } else if (c == ')') {
      --depth;
    } else if (depth == 0 && c != '?' && !(c == '/' && i + 2 == pattern.size() && pattern[i + 1] == '?')) {
      label += c;
    }
  }
  return label;
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, std::regex(pattern), method + " " + Label(pattern), std::move(handler)});
}

std::string Router::Dispatch(Request& request, Response& response) const {
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    std::smatch matches;
    if (!std::regex_match(request.path, matches, route.pattern)) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    request.matches = std::move(matches);
    route.handler(request, response);
    return route.label;
  }
  response.status = allowed.empty() ? 404 : 405;
  if (!allowed.empty()) response.set_header("Allow", absl::StrJoin(allowed, ", "));
  return "";
}

}  // namespace rtparchive::http
