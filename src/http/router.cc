#include "http/router.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace rtparchive::http {
namespace {

struct Capture {
  const char* syntax;
  int kind;
};

bool InClass(int kind, char c) {
  switch (kind) {
    case 1: return absl::ascii_isdigit(static_cast<unsigned char>(c));
    case 2: return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    default: return c != '/';
  }
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, Handler handler) {
  static constexpr Capture kCaptures[] = {
      {R"((\d+))", Token::kDigits}, {R"(([\w.-]+))", Token::kId}, {R"(([^/]+))", Token::kSegment}};
  Route route{method, {}, false, method + " ", std::move(handler)};
  for (size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 2, "/?") == 0 && i + 2 == pattern.size()) {
      route.optional_slash = true;
      break;
    }
    bool captured = false;
    for (const Capture& capture : kCaptures) {
      if (pattern.compare(i, std::strlen(capture.syntax), capture.syntax) == 0) {
        route.tokens.push_back({static_cast<Token::Kind>(capture.kind), ""});
        route.label += "{}";
        i += std::strlen(capture.syntax);
        captured = true;
        break;
      }
    }
    if (captured) continue;
    if (absl::string_view("()[]\\?*+|^$").find(pattern[i]) != absl::string_view::npos) {
      std::fprintf(stderr, "http::Router: unsupported pattern syntax in %s\n", pattern.c_str());
      std::abort();
    }
    if (route.tokens.empty() || route.tokens.back().kind != Token::kLiteral) route.tokens.push_back({});
    route.tokens.back().text += pattern[i];
    route.label += pattern[i];
    ++i;
  }
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, const std::string& path, std::vector<std::string>* captures) {
  captures->assign(1, path);
  size_t at = 0;
  for (const Token& token : route.tokens) {
    if (token.kind == Token::kLiteral) {
      if (path.compare(at, token.text.size(), token.text) != 0) return false;
      at += token.text.size();
      continue;
    }
    const size_t start = at;
    while (at < path.size() && InClass(token.kind, path[at])) ++at;
    if (at == start) return false;
    captures->push_back(path.substr(start, at - start));
  }
  if (route.optional_slash && at + 1 == path.size() && path[at] == '/') ++at;
  return at == path.size();
}

std::string Router::Dispatch(Request& request, Response& response) const {
  std::vector<std::string> allowed, captures;
  for (const Route& route : routes_) {
    if (!Match(route, request.path, &captures)) continue;
    if (route.method != request.method) {
      allowed.push_back(route.method);
      continue;
    }
    request.matches = std::move(captures);
    route.handler(request, response);
    return route.label;
  }
  response.status = allowed.empty() ? 404 : 405;
  if (!allowed.empty()) response.set_header("Allow", absl::StrJoin(allowed, ", "));
  return "";
}

}  // namespace rtparchive::http
