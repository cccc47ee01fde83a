// Members of a RapidJSON object. Read: optional, with a fallback when absent
// or of another type, for rtparchive's own state files, whose readers must
// survive an older or damaged file. Written: one call per member.
#ifndef RTPARCHIVE_BASE_JSON_FIELDS_H_
#define RTPARCHIVE_BASE_JSON_FIELDS_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive {

inline std::string StringOf(const rapidjson::Value& object, const char* key) {
  auto member = object.FindMember(key);
  return member != object.MemberEnd() && member->value.IsString() ? member->value.GetString() : "";
}

inline int64_t IntOf(const rapidjson::Value& object, const char* key) {
  auto member = object.FindMember(key);
  return member != object.MemberEnd() && member->value.IsInt64() ? member->value.GetInt64() : 0;
}

inline bool BoolOf(const rapidjson::Value& object, const char* key, bool fallback) {
  auto member = object.FindMember(key);
  return member != object.MemberEnd() && member->value.IsBool() ? member->value.GetBool() : fallback;
}

// Writes `key` and its value with a RapidJSON Writer or PrettyWriter:
// strings with their length (every byte kept, NUL included), integers as
// 64-bit signed or unsigned, bool, double. A value of another type (say
// uint32_t) is ambiguous on purpose: say which it is.
template <typename Writer>
void WriteMember(Writer& json, const char* key, absl::string_view value) {
  json.Key(key);
  json.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, const std::string& value) {
  WriteMember(json, key, absl::string_view(value));
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, const char* value) {
  WriteMember(json, key, absl::string_view(value));
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, bool value) {
  json.Key(key);
  json.Bool(value);
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, int64_t value) {
  json.Key(key);
  json.Int64(value);
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, int value) {
  WriteMember(json, key, static_cast<int64_t>(value));
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, uint64_t value) {
  json.Key(key);
  json.Uint64(value);
}
template <typename Writer>
void WriteMember(Writer& json, const char* key, double value) {
  json.Key(key);
  json.Double(value);
}

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_JSON_FIELDS_H_
