// The request head parser on its own: forms it takes, limits it enforces.
#include "http/request_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace rtparchive::http {
namespace {

HeadResult Parse(const std::string& bytes, Request* request, HeadLimits limits = {}) {
  return ParseRequestHead(bytes, limits, request);
}

TEST(RequestParserTest, ReadsAWholeHead) {
  Request request;
  const std::string head =
      "POST /v2/project/12/archive%2Fx?a=1&b=two+words&c=%41 HTTP/1.1\r\n"
      "Host: x\r\ncontent-length: 5\r\nX-OPENTOK-AUTH:  token \r\n\r\nhello";
  const HeadResult result = Parse(head, &request);
  ASSERT_EQ(result.kind, HeadResult::kComplete) << result.message;
  EXPECT_EQ(result.head_size, head.size() - 5);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v2/project/12/archive/x");
  EXPECT_EQ(request.get_param_value("b"), "two words");
  EXPECT_EQ(request.get_param_value("c"), "A");
  EXPECT_EQ(request.get_header_value("x-opentok-auth"), "token");
  EXPECT_EQ(request.content_length, 5u);
  EXPECT_TRUE(request.keep_alive);
}

TEST(RequestParserTest, IncompleteUntilTheBlankLine) {
  Request request;
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n", &request).kind, HeadResult::kIncomplete);
  EXPECT_EQ(Parse("\r\nGET / HTTP/1.0\n\n", &request).kind, HeadResult::kComplete);
  EXPECT_FALSE(request.keep_alive);  // HTTP/1.0 without keep-alive
}

TEST(RequestParserTest, RefusesWithTheRightStatus) {
  struct Case {
    std::string bytes;
    int status;
  };
  const std::string long_header(20000, 'a');
  for (const Case& c : std::vector<Case>{
           {"GET / HTTP/2.0\r\n\r\n", 505},
           {"GET /\r\n\r\n", 400},
           {"GET nopath HTTP/1.1\r\n\r\n", 400},
           {"GET /%zz HTTP/1.1\r\n\r\n", 400},
           {"GET /%00 HTTP/1.1\r\n\r\n", 400},
           {"GET /a%0d%0a HTTP/1.1\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
           {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\n folded\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: " + long_header + "\r\n\r\n", 431},
           {"GET / HTTP/1.1\r\nX: " + long_header, 431},  // refused before its end
           {"GET /" + long_header, 414},
       }) {
    Request request;
    const HeadResult result = Parse(c.bytes, &request);
    EXPECT_EQ(result.kind, HeadResult::kRefused) << c.bytes.substr(0, 60);
    EXPECT_EQ(result.status, c.status) << c.bytes.substr(0, 60) << ": " << result.message;
  }
}

TEST(RequestParserTest, TooManyHeadersOrParams) {
  std::string head = "GET /? HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) head += "X-" + std::to_string(i) + ": 1\r\n";
  Request request;
  EXPECT_EQ(Parse(head + "\r\n", &request).status, 431);
  std::string query = "GET /?";
  for (int i = 0; i < 101; ++i) query += "p" + std::to_string(i) + "=1&";
  EXPECT_EQ(Parse(query + " HTTP/1.1\r\n\r\n", &request).status, 400);
}

TEST(RequestParserTest, ExpectContinueAndConnectionClose) {
  Request request;
  ASSERT_EQ(Parse("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nConnection: close\r\n"
                  "Content-Length: 3\r\n\r\n",
                  &request)
                .kind,
            HeadResult::kComplete);
  EXPECT_TRUE(request.expects_continue);
  EXPECT_FALSE(request.keep_alive);
}

}  // namespace
}  // namespace rtparchive::http
