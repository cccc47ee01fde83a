// Optional members of a RapidJSON object, read with a fallback when absent
// or of another type: for rtparchive's own state files, whose readers must
// survive an older or damaged file.
#ifndef RTPARCHIVE_BASE_JSON_FIELDS_H_
#define RTPARCHIVE_BASE_JSON_FIELDS_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

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

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_JSON_FIELDS_H_
