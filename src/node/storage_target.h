// An API key's archive storage (the seeds' "Archive storage"): the S3
// bucket, S3-compatible bucket or Azure container its finished archives are
// uploaded to, and whether the node keeps an archive for download when the
// upload fails ("fallback": "node") or fails it ("none"). Set in the node's
// config file ("storageTargets": {"<apiKey>": {...}}) or through
// PUT /v2/project/{apiKey}/archive/storage, with a body of
//
//   {"type": "s3", "bucket": "b", "region": "eu-west-1", "endpoint": "http://...",
//    "accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "...",
//    "sse": "AES256", "fallback": "node"}
//   {"type": "azure", "accountName": "...", "accountKey": "...", "container": "c",
//    "endpoint": "http://...", "fallback": "none"}
//
// An archive becomes the object <apiKey>/<archiveId>/archive.zip.
#ifndef RTPARCHIVE_NODE_STORAGE_TARGET_H_
#define RTPARCHIVE_NODE_STORAGE_TARGET_H_

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/upload.h"

namespace rtparchive::node {

struct StorageTarget {
  std::string type;                 // "s3" or "azure"
  storage::S3Destination s3;        // all but the key
  storage::AzureDestination azure;  // all but the blob
  bool fallback_to_node = true;
};

// InvalidArgument naming the field that is missing or wrong.
absl::StatusOr<StorageTarget> ParseStorageTarget(const rapidjson::Value& json);
absl::StatusOr<StorageTarget> ParseStorageTargetJson(absl::string_view json);
// The target as the API shows it: every field but the secrets, which are
// only said to be set.
std::string StorageTargetJson(const StorageTarget& target);
// The full form, secrets included (what the state keeps, sealed).
std::string StorageTargetSecretJson(const StorageTarget& target);

std::string ObjectName(int64_t api_key, const std::string& archive_id);
// "s3://bucket/key" or "azure://container/blob", for reasons and logs.
std::string Describe(const StorageTarget& target, const std::string& object_name);

absl::StatusOr<storage::UploadReport> UploadArchive(const StorageTarget& target,
                                                    const std::string& object_name,
                                                    const storage::ByteSource& zip,
                                                    const storage::UploadOptions& options);

}  // namespace rtparchive::node

#endif  // RTPARCHIVE_NODE_STORAGE_TARGET_H_
