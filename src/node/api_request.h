// What the node's HTTP API reads from a request and answers when it is
// wrong: the request's JSON body and its typed members, and every error as
// the JSON object {"code", "message"} with the HTTP status.
#ifndef RTPARCHIVE_NODE_API_REQUEST_H_
#define RTPARCHIVE_NODE_API_REQUEST_H_

#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive::node {

// A request's problem, as the HTTP status and message to answer with.
struct Failure {
  int code;
  std::string message;
};

// {"code": code, "message": message}
std::string ErrorJson(int code, absl::string_view message);

// The JSON object `body_text` holds, or the 400 that says why it is not one.
std::optional<Failure> ParseBody(absl::string_view body_text, rapidjson::Document* body);

// Reads an optional member of the expected type; a wrong type is a 400.
std::optional<Failure> OptionalString(const rapidjson::Value& body, const char* key,
                                      std::string* value);
std::optional<Failure> OptionalBool(const rapidjson::Value& body, const char* key, bool* value);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_API_REQUEST_H_
