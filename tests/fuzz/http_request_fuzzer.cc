// Fuzz target: what an API client sends before any handler runs (untrusted
// bytes from the network): the request head parser with the node's limits,
// then routing by the node's kinds of path patterns (regular expressions
// over a decoded path of up to 2 KiB).
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/request_parser.h"
#include "http/router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using rtparchive::http::HeadResult;
  static const rtparchive::http::Router* router = [] {
    auto* routes = new rtparchive::http::Router;
    const auto nothing = [](const rtparchive::http::Request&, rtparchive::http::Response&) {};
    routes->Add("POST", R"(/v2/project/(\d+)/archive/([\w.-]+)/stop)", nothing);
    routes->Add("GET", R"(/v2/project/(\d+)/archive/([\w.-]+))", nothing);
    routes->Add("DELETE", R"(/v2/project/(\d+)/session/([^/]+)/stream/([\w.-]+))", nothing);
    routes->Add("POST", R"(/v2/partner/(\d+)/archive/?)", nothing);
    return routes;
  }();
  rtparchive::http::HeadLimits limits;
  limits.max_target_bytes = 2048;
  rtparchive::http::Request request;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const HeadResult head = rtparchive::http::ParseRequestHead(bytes, limits, &request);
  if (head.kind == HeadResult::kRefused && (head.status < 400 || head.message.empty())) {
    __builtin_trap();  // every refusal names an error status and says why
  }
  if (head.kind != HeadResult::kComplete) return 0;
  if (head.head_size > bytes.size() || request.path.empty() || request.path[0] != '/') {
    __builtin_trap();
  }
  rtparchive::http::Response response;
  router->Dispatch(request, response);
  return 0;
}
