#include "node/api_request.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "base/json_fields.h"

namespace rtparchive::node {

std::string ErrorJson(int code, absl::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  WriteMember(json, "code", code);
  json.Key("message");
  json.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  json.EndObject();
  return buffer.GetString();
}

std::optional<Failure> ParseBody(absl::string_view body_text, rapidjson::Document* body) {
  body->Parse(body_text.data(), body_text.size());
  if (body->HasParseError() || !body->IsObject()) {
    return Failure{400, "the request body must be a JSON object"};
  }
  return std::nullopt;
}

std::optional<Failure> OptionalString(const rapidjson::Value& body, const char* key,
                                      std::string* value) {
  auto member = body.FindMember(key);
  if (member == body.MemberEnd() || member->value.IsNull()) return std::nullopt;
  if (!member->value.IsString())
    return Failure{400, absl::StrCat("\"", key, "\" must be a string")};
  *value = member->value.GetString();
  return std::nullopt;
}

std::optional<Failure> OptionalBool(const rapidjson::Value& body, const char* key, bool* value) {
  auto member = body.FindMember(key);
  if (member == body.MemberEnd() || member->value.IsNull()) return std::nullopt;
  if (!member->value.IsBool()) {
    return Failure{400, absl::StrCat("\"", key, "\" must be true or false")};
  }
  *value = member->value.GetBool();
  return std::nullopt;
}

}  // namespace rtparchive::node
