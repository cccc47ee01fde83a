// Status callbacks to an endpoint on loopback that refuses its first request.
#include "node/callback_sender.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rtparchive::node {
namespace {

using ::testing::ElementsAre;

TEST(CallbackSenderTest, ARetryKeepsTheOrderOfTheCallbacksToItsUrl) {
  httplib::Server endpoint;
  std::mutex mu;
  std::vector<std::string> received;
  int requests = 0;
  endpoint.Post("/cb", [&](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard<std::mutex> lock(mu);
    if (requests++ == 0) {
      response.status = 503;  // the first try of "stopped" fails
      return;
    }
    received.push_back(request.body);
  });
  const int port = endpoint.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { endpoint.listen_after_bind(); });
  {
    CallbackSender sender([](const std::string&) {});
    const std::string url = absl::StrCat("http://127.0.0.1:", port, "/cb");
    sender.Post(url, "stopped");
    sender.Post(url, "available");
    for (int i = 0; i < 100; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (received.size() == 2) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  endpoint.stop();
  serving.join();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(received, ElementsAre("stopped", "available"));
}

}  // namespace
}  // namespace rtparchive::node
