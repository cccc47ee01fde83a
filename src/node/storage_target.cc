#include "node/storage_target.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/str_cat.h"
#include "base/json_fields.h"
#include "base/status_macros.h"
#include "storage/byte_source.h"

namespace rtparchive::node {
namespace {

absl::Status Bad(const std::string& field, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("storage target: \"", field, "\" ", why));
}

// A string member; `required` ones may not be empty.
absl::Status Read(const rapidjson::Value& json, const char* field, bool required, std::string* out) {
  auto member = json.FindMember(field);
  if (member == json.MemberEnd()) return required ? Bad(field, "is required") : absl::OkStatus();
  if (!member->value.IsString()) return Bad(field, "must be a string");
  *out = std::string(member->value.GetString(), member->value.GetStringLength());
  if (required && out->empty()) return Bad(field, "may not be empty");
  if (out->size() > 4096) return Bad(field, "is too long");
  return absl::OkStatus();
}

std::string Written(const std::function<void(rapidjson::Writer<rapidjson::StringBuffer>&)>& fill) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  fill(json);
  json.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void WritePublic(const StorageTarget& target, rapidjson::Writer<rapidjson::StringBuffer>& json) {
  WriteMember(json, "type", target.type);
  if (target.type == "s3") {
    WriteMember(json, "bucket", target.s3.bucket);
    WriteMember(json, "region", target.s3.region);
    WriteMember(json, "endpoint", target.s3.endpoint);
    WriteMember(json, "accessKeyId", target.s3.access_key_id);
    WriteMember(json, "sse", target.s3.sse);
  } else {
    WriteMember(json, "accountName", target.azure.account);
    WriteMember(json, "container", target.azure.container);
    WriteMember(json, "endpoint", target.azure.endpoint);
  }
  WriteMember(json, "fallback", target.fallback_to_node ? "node" : "none");
}

}  // namespace

absl::StatusOr<StorageTarget> ParseStorageTarget(const rapidjson::Value& json) {
  if (!json.IsObject()) return absl::InvalidArgumentError("a storage target is a JSON object");
  StorageTarget target;
  RETURN_IF_ERROR(Read(json, "type", true, &target.type));
  std::string fallback = "node";
  RETURN_IF_ERROR(Read(json, "fallback", false, &fallback));
  if (fallback != "node" && fallback != "none") return Bad("fallback", "must be \"node\" or \"none\"");
  target.fallback_to_node = fallback == "node";
  if (target.type == "s3") {
    RETURN_IF_ERROR(Read(json, "bucket", true, &target.s3.bucket));
    RETURN_IF_ERROR(Read(json, "region", false, &target.s3.region));
    RETURN_IF_ERROR(Read(json, "endpoint", false, &target.s3.endpoint));
    RETURN_IF_ERROR(Read(json, "accessKeyId", true, &target.s3.access_key_id));
    RETURN_IF_ERROR(Read(json, "secretAccessKey", true, &target.s3.secret_access_key));
    RETURN_IF_ERROR(Read(json, "sessionToken", false, &target.s3.session_token));
    RETURN_IF_ERROR(Read(json, "sse", false, &target.s3.sse));
    if (!target.s3.sse.empty() && target.s3.sse != "AES256") return Bad("sse", "may only be \"AES256\"");
    if (target.s3.region.empty()) target.s3.region = "us-east-1";
  } else if (target.type == "azure") {
    RETURN_IF_ERROR(Read(json, "accountName", true, &target.azure.account));
    RETURN_IF_ERROR(Read(json, "accountKey", true, &target.azure.account_key));
    RETURN_IF_ERROR(Read(json, "container", true, &target.azure.container));
    RETURN_IF_ERROR(Read(json, "endpoint", false, &target.azure.endpoint));
  } else {
    return Bad("type", "must be \"s3\" or \"azure\"");
  }
  for (const std::string* endpoint : {&target.s3.endpoint, &target.azure.endpoint}) {
    if (!endpoint->empty() && endpoint->rfind("http://", 0) != 0 && endpoint->rfind("https://", 0) != 0) {
      return Bad("endpoint", "must be an http:// or https:// URL");
    }
  }
  return target;
}

absl::StatusOr<StorageTarget> ParseStorageTargetJson(absl::string_view text) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError()) return absl::InvalidArgumentError("the storage target is not valid JSON");
  return ParseStorageTarget(document);
}

std::string StorageTargetJson(const StorageTarget& target) {
  return Written([&](auto& json) {
    WritePublic(target, json);
    // Whether the secrets are set, never what they are.
    WriteMember(json, "secretSet", true);
  });
}

std::string StorageTargetSecretJson(const StorageTarget& target) {
  return Written([&](auto& json) {
    WritePublic(target, json);
    if (target.type == "s3") {
      WriteMember(json, "secretAccessKey", target.s3.secret_access_key);
      WriteMember(json, "sessionToken", target.s3.session_token);
    } else {
      WriteMember(json, "accountKey", target.azure.account_key);
    }
  });
}

std::string ObjectName(int64_t api_key, const std::string& archive_id) {
  return absl::StrCat(api_key, "/", archive_id, "/archive.zip");
}

std::string Describe(const StorageTarget& target, const std::string& object_name) {
  return target.type == "s3" ? absl::StrCat("s3://", target.s3.bucket, "/", object_name)
                             : absl::StrCat("azure://", target.azure.container, "/", object_name);
}

absl::StatusOr<storage::UploadReport> UploadArchive(const StorageTarget& target, const std::string& object_name,
                                                    const storage::ByteSource& zip,
                                                    const storage::UploadOptions& options) {
  if (target.type == "s3") {
    storage::S3Destination destination = target.s3;
    destination.key = object_name;
    return storage::UploadToS3(zip, destination, options);
  }
  storage::AzureDestination destination = target.azure;
  destination.blob = object_name;
  return storage::UploadToAzure(zip, destination, options);
}

}  // namespace rtparchive::node
