// Routing by method and path pattern: captures, labels, 404 and 405.
#include "http/router.h"

#include "gtest/gtest.h"

namespace rtparchive::http {
namespace {

TEST(RouterTest, CapturesLabelsAndRefusals) {
  Router router;
  std::string seen;
  router.Add("PUT", R"(/v2/project/(\d+)/archive/storage)",
             [&](const Request&, Response&) { seen = "storage"; });
  router.Add("POST", R"(/v2/project/(\d+)/archive/([\w.-]+)/stop)",
             [&](const Request& request, Response&) { seen = request.matches[1] + " " + request.matches[2]; });
  router.Add("DELETE", R"(/v2/project/(\d+)/session/([^/]+)/stream/([\w.-]+))",
             [&](const Request& request, Response&) { seen = request.matches[2] + "|" + request.matches[3]; });
  router.Add("POST", R"(/v2/partner/(\d+)/archive/?)", [&](const Request&, Response&) { seen = "partner"; });
  auto dispatch = [&](const std::string& method, const std::string& path, Response* response) {
    Request request;
    request.method = method;
    request.path = path;
    seen.clear();
    return router.Dispatch(request, *response);
  };
  Response response;
  EXPECT_EQ(dispatch("POST", "/v2/project/12/archive/a-b.c_9/stop", &response),
            "POST /v2/project/{}/archive/{}/stop");
  EXPECT_EQ(seen, "12 a-b.c_9");
  EXPECT_EQ(dispatch("DELETE", "/v2/project/1/session/1_MX4~x y/stream/s", &response),
            "DELETE /v2/project/{}/session/{}/stream/{}");
  EXPECT_EQ(seen, "1_MX4~x y|s");
  EXPECT_EQ(dispatch("POST", "/v2/partner/5/archive/", &response), "POST /v2/partner/{}/archive");
  EXPECT_EQ(dispatch("POST", "/v2/partner/5/archive", &response), "POST /v2/partner/{}/archive");
  EXPECT_EQ(seen, "partner");
  for (const char* path : {"/v2/project/x1/archive/a/stop", "/v2/project/1/archive/../stop/x",
                           "/v2/project/1/archive//stop", "/v2/project/1/archive/a/stop/",
                           "/v2/partner/5/archive//", "/v2/project/1/session//stream/s"}) {
    Response missing;
    EXPECT_EQ(dispatch("POST", path, &missing), "") << path;
    EXPECT_EQ(missing.status, 404) << path;
  }
  Response wrong_method;
  EXPECT_EQ(dispatch("GET", "/v2/project/1/archive/storage", &wrong_method), "");
  EXPECT_EQ(wrong_method.status, 405);
  ASSERT_EQ(wrong_method.headers.size(), 1u);
  EXPECT_EQ(wrong_method.headers[0].second, "PUT");
}

TEST(RouterTest, LongHostilePathsAreLinear) {
  Router router;
  router.Add("GET", R"(/a/([^/]+)/b)", [](const Request&, Response&) {});
  Request request;
  request.method = "GET";
  request.path = "/a/" + std::string(1 << 20, 'x');  // a regex engine would recurse per character
  Response response;
  EXPECT_EQ(router.Dispatch(request, response), "");
  EXPECT_EQ(response.status, 404);
}

}  // namespace
}  // namespace rtparchive::http
