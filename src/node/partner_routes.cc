// The seeds' /v2/partner routes, over the /v2/project ones: start and stop
// by "action", callbacks in the seeds' shapes (see node_impl.h).

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "base/json_fields.h"
#include "node/node_impl.h"

namespace rtparchive::node {

std::optional<Failure> Node::Impl::RequireAction(const http::Request& request,
                                                 const char* action) {
  rapidjson::Document body;
  if (auto failure = ParseBody(request.body, &body)) return failure;
  std::string given;
  if (auto failure = OptionalString(body, "action", &given)) return failure;
  if (given != action) {
    return Failure{400, absl::StrCat("set \"action\": \"", action, "\" (case-sensitive)")};
  }
  return std::nullopt;
}

void Node::Impl::PartnerStart(int64_t api_key, const http::Request& request,
                              http::Response& response) {
  if (auto failure = RequireAction(request, "start")) return Reply(response, *failure);
  StartArchive(api_key, request, response);
}

void Node::Impl::PartnerStop(int64_t api_key, const http::Request& request,
                             http::Response& response) {
  if (auto failure = RequireAction(request, "stop")) return Reply(response, *failure);
  StopArchive(api_key, request, response);
}

void Node::Impl::PartnerDelete(int64_t api_key, const http::Request& request,
                               http::Response& response) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto failure = Known(api_key, request.matches[2])) {
      return Reply(response, {403, failure->message});
    }
  }
  DeleteArchive(api_key, request, response);
}

void Node::Impl::PartnerAddCallback(int64_t api_key, const http::Request& request,
                                    http::Response& response) {
  CallbackRegistration callback;
  if (auto failure = RegisterCallback(api_key, request, /*all_fields=*/true, &callback)) {
    return Reply(response, *failure);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  WriteMember(json, "id", callback.id);
  WriteMember(json, "uri", callback.url);
  json.EndObject();
  ReplyJson(response, buffer.GetString());
}

void Node::Impl::PartnerListCallbacks(int64_t api_key, const http::Request&,
                                      http::Response& response) {
  ReplyCallbackList(api_key, /*seeds_shape=*/true, response);
}
}  // namespace rtparchive::node
