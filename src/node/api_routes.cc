// The recording node's HTTP API: authentication, JSON replies and the route
// table (see node_impl.h).

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "node/auth.h"
#include "node/download_link.h"
#include "node/node_impl.h"

namespace rtparchive::node {

httplib::Server::Handler Node::Impl::Authenticated(Handler handler) {
  return [this, handler](const httplib::Request& request, httplib::Response& response) {
    int64_t api_key = 0;
    if (auto failure = Authenticate(request, &api_key)) return Reply(response, *failure);
    handler(api_key, request, response);
  };
}

std::optional<Failure> Node::Impl::Authenticate(const httplib::Request& request, int64_t* api_key) {
  Credentials credentials;
  if (request.has_header("X-OPENTOK-AUTH")) {
    credentials.opentok_auth = request.get_header_value("X-OPENTOK-AUTH");
  }
  credentials.partner_auth = request.get_header_value("X-TB-PARTNER-AUTH");
  return node::Authenticate(request.matches[1].str(), credentials, config_.secrets,
                            absl::ToUnixSeconds(absl::Now()), api_key);
}

void Node::Impl::Reply(httplib::Response& response, const Failure& failure) {
  response.status = failure.code;
  response.set_content(ErrorJson(failure.code, failure.message), "application/json");
}

void Node::Impl::ReplyJson(httplib::Response& response, const std::string& json) {
  response.status = 200;
  response.set_content(json, "application/json");
}

void Node::Impl::RegisterRoutes() {
  const std::string project = R"(/v2/project/(\d+))";
  server_.Post(project + "/archive",
               Authenticated([this](auto&&... args) { StartArchive(args...); }));
  server_.Post(project + R"(/archive/([\w.-]+)/stop)",
               Authenticated([this](auto&&... args) { StopArchive(args...); }));
  // Before /archive/{id}, which would take "storage" for an archive ID.
  server_.Put(project + "/archive/storage",
              Authenticated([this](auto&&... args) { PutStorage(args...); }));
  server_.Get(project + "/archive/storage",
              Authenticated([this](auto&&... args) { GetStorage(args...); }));
  server_.Delete(project + "/archive/storage",
                 Authenticated([this](auto&&... args) { DeleteStorage(args...); }));
  server_.Get(project + "/archive",
              Authenticated([this](auto&&... args) { ListArchives(args...); }));
  server_.Get(project + R"(/archive/([\w.-]+))",
              Authenticated([this](auto&&... args) { GetArchive(args...); }));
  server_.Delete(project + R"(/archive/([\w.-]+))",
                 Authenticated([this](auto&&... args) { DeleteArchive(args...); }));
  server_.Patch(project + R"(/archive/([\w.-]+)/streams)",
                Authenticated([this](auto&&... args) { PatchStreams(args...); }));
  // The download link of get/list carries its own signature; without
  // one, the request is authenticated as any other.
  server_.Get(project + R"(/archive/([\w.-]+)/download)",
              [this, authenticated = Authenticated([this](auto&&... args) { Download(args...); })](
                  const httplib::Request& request, httplib::Response& response) {
                if (!request.has_param("signature")) return authenticated(request, response);
                int64_t api_key = 0;
                auto secret = config_.secrets.end();
                if (absl::SimpleAtoi(request.matches[1].str(), &api_key)) {
                  secret = config_.secrets.find(api_key);
                }
                if (secret == config_.secrets.end() ||
                    !DownloadLinkValid(secret->second, request.matches[2].str(),
                                       request.get_param_value("expires"),
                                       request.get_param_value("signature"),
                                       absl::ToUnixSeconds(absl::Now()))) {
                  return Reply(response, {403,
                                          "the download link is wrong or expired: get the "
                                          "archive again for a fresh url"});
                }
                Download(api_key, request, response);
              });
  server_.Post(project + "/callback",
               Authenticated([this](auto&&... args) { AddCallback(args...); }));
  server_.Get(project + "/callback",
              Authenticated([this](auto&&... args) { ListCallbacks(args...); }));
  server_.Delete(project + R"(/callback/([\w.-]+))",
                 Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
  server_.Post(project + R"(/session/([^/]+)/stream)",
               Authenticated([this](auto&&... args) { AnnounceStream(args...); }));
  server_.Delete(project + R"(/session/([^/]+)/stream/([\w.-]+))",
                 Authenticated([this](auto&&... args) { WithdrawStream(args...); }));
  // The seeds' routes: start and stop by "action" in the body, callbacks
  // registered and listed in the seeds' shapes; the rest as above.
  const std::string partner = R"(/v2/partner/(\d+))";
  server_.Post(partner + "/archive/?",
               Authenticated([this](auto&&... args) { PartnerStart(args...); }));
  server_.Post(partner + R"(/archive/([\w.-]+)/?)",
               Authenticated([this](auto&&... args) { PartnerStop(args...); }));
  server_.Get(partner + "/archive/?",
              Authenticated([this](auto&&... args) { ListArchives(args...); }));
  server_.Get(partner + R"(/archive/([\w.-]+)/?)",
              Authenticated([this](auto&&... args) { GetArchive(args...); }));
  server_.Delete(partner + R"(/archive/([\w.-]+)/?)",
                 Authenticated([this](auto&&... args) { PartnerDelete(args...); }));
  server_.Post(partner + "/callback/?",
               Authenticated([this](auto&&... args) { PartnerAddCallback(args...); }));
  server_.Get(partner + "/callback/?",
              Authenticated([this](auto&&... args) { PartnerListCallbacks(args...); }));
  server_.Delete(partner + R"(/callback/([\w.-]+)/?)",
                 Authenticated([this](auto&&... args) { DeleteCallback(args...); }));
  // Whatever matched no route (or failed without a body) still answers JSON.
  server_.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;
    const std::string message =
        response.status == 404
            ? absl::StrCat("no route ", request.method, " ", request.path,
                           ": the API is under /v2/project/{apiKey}/ and /v2/partner/{apiKey}/")
            : absl::StrCat("HTTP ", response.status);
    response.set_content(ErrorJson(response.status, message), "application/json");
  });
  server_.set_payload_max_length(1 << 20);
  // Archives finalised at start-up are reported once the API is up.
  for (const ArchiveRecord& record : pending_notifications_) NotifyCallbacks(record);
  pending_notifications_.clear();
}
}  // namespace rtparchive::node
