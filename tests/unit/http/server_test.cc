// The HTTP server over real loopback sockets: keep-alive and pipelining,
// refusals before the body (413) or at a deadline (408), Expect:
// 100-continue, files, and many idle connections that must not stop a
// request from being answered.
#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class ServerTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    server_ = std::make_unique<Server>(
        options,
        [](Request& request, Response& response) {
          if (request.path == "/file") {
            std::FILE* file = std::tmpfile();
            std::fputs("file contents", file);
            std::fflush(file);
            response.set_file(::dup(fileno(file)), 13, "text/plain");
            std::fclose(file);
            return;
          }
          if (request.path == "/pieces") {  // bytes, a file's middle, bytes, a file's start
            std::FILE* file = std::tmpfile();
            std::fputs("0123456789", file);
            std::fflush(file);
            response.set_pieces({{"head:", -1, 0, 0}, {"", ::dup(fileno(file)), 2, 5}, {":mid:", -1, 0, 0},
                                 {"", ::dup(fileno(file)), 0, 3}, {"", -1, 0, 0}, {":end", -1, 0, 0}},
                                "application/zip");
            std::fclose(file);
            return;
          }
          response.set_content(request.method + " " + request.path + " " + request.body,
                               "text/plain");
        },
        [](int status, const std::string& message, Response& response) {
          response.set_content("refused " + std::to_string(status) + ": " + message, "text/plain");
        });
    for (port_ = 42000 + ::getpid() % 2000; port_ < 65000; port_ += 7) {
      if (server_->Bind("127.0.0.1", port_).ok()) break;
    }
    thread_ = std::thread([this] { server_->Serve(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  int Connect() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
  }
  static void Send(int fd, const std::string& bytes) {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // What arrives until `until` is in it, the peer closes, or 5 s pass.
  static std::string Receive(int fd, const std::string& until) {
    std::string got;
    for (int waited = 0; waited < 50 && got.find(until) == std::string::npos; ++waited) {
      pollfd polled{fd, POLLIN, 0};
      if (::poll(&polled, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      got.append(buffer, n);
    }
    return got;
  }

  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(ServerTest, KeepAliveAndPipelinedRequests) {
  Start();
  const int fd = Connect();
  Send(fd, "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
  const std::string answers = Receive(fd, "POST /b hi");
  EXPECT_THAT(answers, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answers, HasSubstr("GET /a "));
  EXPECT_THAT(answers, HasSubstr("POST /b hi"));
  Send(fd, "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(Receive(fd, "\x01"), HasSubstr("Connection: close"));
  ::close(fd);
}

TEST_F(ServerTest, OversizedBodyIsRefusedBeforeItIsSent) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  Start(options);
  const int fd = Connect();
  Send(fd, "POST /big HTTP/1.1\r\nContent-Length: 50000000\r\n\r\n");
  EXPECT_THAT(Receive(fd, "bytes"), StartsWith("HTTP/1.1 413 Content Too Large\r\n"));
  ::close(fd);
  EXPECT_EQ(server_->refusals()[413], 1u);
}

TEST_F(ServerTest, ExpectContinue) {
  Start();
  const int fd = Connect();
  Send(fd, "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(Receive(fd, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  Send(fd, "body");
  EXPECT_THAT(Receive(fd, "PUT /x body"), HasSubstr("200 OK"));
  ::close(fd);
}

TEST_F(ServerTest, SlowHeadGets408AtItsDeadline) {
  ServerOptions options;
  options.head_timeout_ms = 300;
  Start(options);
  const int fd = Connect();
  // A byte every 100 ms resets no per-read timer: the head's deadline holds.
  std::string got;
  for (char c : std::string("GET /slow HTTP/1.1\r\nX-Slow: 1")) {
    if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pollfd polled{fd, POLLIN, 0};
    if (::poll(&polled, 1, 0) > 0) break;
  }
  EXPECT_THAT(Receive(fd, "time"), StartsWith("HTTP/1.1 408 Request Timeout"));
  ::close(fd);
}

TEST_F(ServerTest, IdleConnectionsDoNotHoldWorkers) {
  ServerOptions options;
  options.worker_threads = 2;
  Start(options);
  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) idle.push_back(Connect());
  for (int i = 0; i < 100; ++i) Send(idle[i], "GET /half");  // and some half heads
  const int fd = Connect();
  Send(fd, "GET /ok HTTP/1.1\r\n\r\n");
  EXPECT_THAT(Receive(fd, "GET /ok"), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_GE(server_->open_connections(), 501u);
  for (int held : idle) ::close(held);
  ::close(fd);
}

TEST_F(ServerTest, OverTheConnectionLimitTheLongestIdleGoes) {
  ServerOptions options;
  options.max_connections = 10;
  Start(options);
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(Connect());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const int fd = Connect();
  Send(fd, "GET /ok HTTP/1.1\r\n\r\n");
  EXPECT_THAT(Receive(fd, "GET /ok"), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_LE(server_->open_connections(), 10u);
  for (int held : idle) ::close(held);
  ::close(fd);
}

TEST_F(ServerTest, FileBody) {
  Start();
  const int fd = Connect();
  Send(fd, "GET /file HTTP/1.1\r\n\r\n");
  const std::string answer = Receive(fd, "file contents");
  EXPECT_THAT(answer, HasSubstr("Content-Length: 13\r\n"));
  EXPECT_THAT(answer, HasSubstr("\r\n\r\nfile contents"));
  ::close(fd);
}

TEST_F(ServerTest, BodyInPieces) {
  Start();
  const int fd = Connect();
  for (int round = 0; round < 2; ++round) {  // the next answer on the same connection starts afresh
    Send(fd, "GET /pieces HTTP/1.1\r\n\r\n");
    const std::string answer = Receive(fd, ":end");
    EXPECT_THAT(answer, HasSubstr("Content-Length: 22\r\n"));
    EXPECT_THAT(answer, HasSubstr("\r\n\r\nhead:23456:mid:012:end")) << answer;
  }
  ::close(fd);
}

}  // namespace
}  // namespace rtparchive::http
