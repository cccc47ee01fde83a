// The recording node's HTTP API: authentication, JSON replies and the route
// table (see node_impl.h).

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/auth.h"
#include "node/download_link.h"
#include "node/node_impl.h"
#include "node/publish_page.h"

namespace rtparchive::node {

http::Router::Handler Node::Impl::Authenticated(Handler handler) {
  return [this, handler](const http::Request& request, http::Response& response) {
    int64_t api_key = 0;
    if (auto failure = Authenticate(request, &api_key)) return Reply(response, *failure);
    handler(api_key, request, response);
  };
}

std::optional<Failure> Node::Impl::Authenticate(const http::Request& request, int64_t* api_key) {
  Credentials credentials;
  if (request.has_header("X-OPENTOK-AUTH")) {
    credentials.opentok_auth = request.get_header_value("X-OPENTOK-AUTH");
  }
  credentials.partner_auth = request.get_header_value("X-TB-PARTNER-AUTH");
  return node::Authenticate(request.matches[1], credentials, config_.secrets,
                            absl::ToUnixSeconds(absl::Now()), api_key);
}

void Node::Impl::Reply(http::Response& response, const Failure& failure) {
  response.status = failure.code;
  response.set_content(ErrorJson(failure.code, failure.message), "application/json");
}

void Node::Impl::ReplyJson(http::Response& response, const std::string& json) {
  response.status = 200;
  response.set_content(json, "application/json");
}

void Node::Impl::HandleRequest(http::Request& request, http::Response& response) {
  const std::string route = router_.Dispatch(request, response);
  // Whatever matched no route still answers JSON.
  if (route.empty()) {
    const std::string message =
        response.status == 405
            ? absl::StrCat(request.method, " is not a method of ", absl::string_view(request.path).substr(0, 200), ": use ",
                           response.headers.empty() ? "" : response.headers[0].second)
            : absl::StrCat("no route ", request.method, " ", absl::string_view(request.path).substr(0, 200),
                           ": the API is under /v2/project/{apiKey}/ and /v2/partner/{apiKey}/");
    response.set_content(ErrorJson(response.status, message), "application/json");
  }
  metrics_.CountRequest(route.empty() ? "unmatched" : route, response.status);
}

void Node::Impl::ServeMetrics(const http::Request&, http::Response& response) {
  NodeMetrics::Gauges gauges;
  gauges.media = &media_.counters();
  gauges.http_refusals = server_->refusals();
  gauges.open_connections = server_->open_connections();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, record] : records_) ++gauges.archives_by_status[ToString(record.status)];
    gauges.announced_streams = streams_by_port_.size();
  }
  response.set_content(metrics_.Render(gauges), "text/plain; version=0.0.4; charset=utf-8");
}

void Node::Impl::RegisterRoutes() {
  router_.Add("GET", "/metrics", [this](auto&&... args) { ServeMetrics(args...); });
  // WHIP (RFC 9725): publish with one POST; the resource it answers with
  // (Location) is deleted when the publisher leaves. PATCH (trickle ICE)
  // gets 405: the node is ICE-lite and its answer holds its one candidate.
  router_.Add("POST", R"(/whip/(\d+)/([^/]+))", [this](auto&&... args) { WhipPublish(args...); });
  router_.Add("OPTIONS", R"(/whip/(\d+)/([^/]+))", WhipOptions);
  router_.Add("DELETE", R"(/whip/(\d+)/([^/]+)/([\w.-]+))",
              [this](auto&&... args) { WhipDelete(args...); });
  router_.Add("OPTIONS", R"(/whip/(\d+)/([^/]+)/([\w.-]+))", WhipOptions);
  // A page that publishes a browser's camera over WHIP (no secret in it:
  // the user gives the token in the URL fragment).
  router_.Add("GET", "/publish", [](const http::Request&, http::Response& response) {
    response.set_content(PublishPageHtml(), "text/html; charset=utf-8");
  });
  const std::string project = R"(/v2/project/(\d+))";
  router_.Add("POST", project + "/archive",
               Authenticated([this](auto&&... args) { StartArchive(args...); }));
  router_.Add("POST", project + R"(/archive/([\w.-]+)/stop)",
               Authenticated([this](auto&&... args) { StopArchive(args...); }));
  // Before /archive/{id}, which would take "storage" for an archive ID.
  router_.Add("PUT", project + "/archive/storage",
              Authenticated([this](auto&&... args) { PutStorage(args...); }));
  router_.Add("GET", project + "/archive/storage",
              Authenticated([this](auto&&... args) { GetStorage(args...); }));
  router_.Add("DELETE", project + "/archive/storage",
                 Authenticated([this](auto&&... args) { DeleteStorage(args...); }));
  router_.Add("GET", project + "/archive",
              Authenticated([this](auto&&... args) { ListArchives(args...); }));
  router_.Add("GET", project + R"(/archive/([\w.-]+))",
              Authenticated([this](auto&&... args) { GetArchive(args...); }));
  router_.Add("DELETE", project + R"(/archive/([\w.-]+))",
                 Authenticated([this](auto&&... args) { DeleteArchive(args...); }));
  router_.Add("PATCH", project + R"(/archive/([\w.-]+)/streams)",
                Authenticated([this](auto&&... args) { PatchStreams(args...); }));
  // The download link of get/list carries its own signature; without
  // one, the request is authenticated as any other.
  router_.Add("GET", project + R"(/archive/([\w.-]+)/download)",
              [this, authenticated = Authenticated([this](auto&&... args) { Download(args...); })](
                  const http::Request& request, http::Response& response) {
                if (!request.has_param("signature")) return authenticated(request, response);
                int64_t api_key = 0;
                auto secret = config_.secrets.end();
                if (absl::SimpleAtoi(request.matches[1], &api_key)) {
                  secret = config_.secrets.find(api_key);
                }
                if (secret == config_.secrets.end() ||
                    !DownloadLinkValid(secret->second, request.matches[2],
                                       request.get_param_value("expires"),
                                       request.get_param_value("signature"),
                                       absl::ToUnixSeconds(absl::Now()))) {
                  return Reply(response, {403,
                                          "the download link is wrong or expired: get the "
                                          "archive again for a fresh url"});
                }
                Download(api_key, request, response);
              });
  router_.Add("POST", project + "/callback",
               Authenticated([this](auto&&... args) { AddCallback(args...); }));
  router_.Add("GET", project + "/callback",
              Authenticated([this](auto&&... args) { ListCallbacks(args...); }));
  router_.Add("DELETE", project + R"(/callback/([\w.-]+))",
                 Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
  router_.Add("POST", project + R"(/session/([^/]+)/stream)",
               Authenticated([this](auto&&... args) { AnnounceStream(args...); }));
  router_.Add("DELETE", project + R"(/session/([^/]+)/stream/([\w.-]+))",
                 Authenticated([this](auto&&... args) { WithdrawStream(args...); }));
  // The seeds' routes: start and stop by "action" in the body, callbacks
  // registered and listed in the seeds' shapes; the rest as above.
  const std::string partner = R"(/v2/partner/(\d+))";
  router_.Add("POST", partner + "/archive/?",
               Authenticated([this](auto&&... args) { PartnerStart(args...); }));
  router_.Add("POST", partner + R"(/archive/([\w.-]+)/?)",
               Authenticated([this](auto&&... args) { PartnerStop(args...); }));
  router_.Add("GET", partner + "/archive/?",
              Authenticated([this](auto&&... args) { ListArchives(args...); }));
  router_.Add("GET", partner + R"(/archive/([\w.-]+)/?)",
              Authenticated([this](auto&&... args) { GetArchive(args...); }));
  router_.Add("DELETE", partner + R"(/archive/([\w.-]+)/?)",
                 Authenticated([this](auto&&... args) { PartnerDelete(args...); }));
  router_.Add("POST", partner + "/callback/?",
               Authenticated([this](auto&&... args) { PartnerAddCallback(args...); }));
  router_.Add("GET", partner + "/callback/?",
              Authenticated([this](auto&&... args) { PartnerListCallbacks(args...); }));
  router_.Add("DELETE", partner + R"(/callback/([\w.-]+)/?)",
                 Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
  // Archives finalised at start-up are reported once the API is up.
  for (const ArchiveRecord& record : pending_notifications_) NotifyCallbacks(record);
  pending_notifications_.clear();
}
}  // namespace rtparchive::node
