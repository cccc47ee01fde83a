// Uploading a finished archive to the customer's store, as the seeds'
// storage rules ask: Amazon S3 or an S3-compatible service (Signature V4,
// path-style with an endpoint), or an Azure Blob container (Shared Key).
// Large files go in parts, several at once, each retried on its own; a
// multipart upload that fails for good is aborted so no parts are left to
// be billed. Success means the store confirmed the object: its size, and
// its MD5 where the store states one (S3's ETag, Azure's Content-MD5).
#ifndef RTPARCHIVE_STORAGE_UPLOAD_H_
#define RTPARCHIVE_STORAGE_UPLOAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "storage/byte_source.h"
#include "storage/store_answer.h"

namespace rtparchive::storage {

struct S3Destination {
  std::string bucket;
  std::string key;
  std::string region = "us-east-1";
  // An S3-compatible service's base URL ("http://127.0.0.1:9000"), addressed
  // path-style; empty: AWS, virtual-hosted style.
  std::string endpoint;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  std::string sse;            // "AES256": server-side encryption
};

struct AzureDestination {
  std::string account;
  std::string account_key;  // base64, as the portal gives it
  std::string container;
  std::string blob;
  // The Blob service's base URL, account included for the emulator
  // ("http://127.0.0.1:10000/devstoreaccount1"); empty: Azure's.
  std::string endpoint;
};

struct UploadOptions {
  RetryPolicy retry;
  uint64_t multipart_threshold = 64ull << 20;  // larger files go in parts
  uint64_t part_size = 16ull << 20;
  int parallel_parts = 4;
  std::function<void(uint64_t sent, uint64_t total)> progress;
  std::function<void(const std::string& line)> log;  // retries
  const std::atomic<bool>* cancelled = nullptr;
};

struct UploadReport {
  std::string url;  // of the object (no credentials in it)
  uint64_t bytes = 0;
  int parts = 1;
  std::string etag;
};

absl::StatusOr<UploadReport> UploadToS3(const ByteSource& source, const S3Destination& destination,
                                        const UploadOptions& options);
absl::StatusOr<UploadReport> UploadToAzure(const ByteSource& source,
                                           const AzureDestination& destination,
                                           const UploadOptions& options);

// The byte ranges of a multipart upload: `count` parts of `part_size`, the
// last one shorter. Runs `upload_part(index)` for each on up to `parallel`
// threads; the first failure stops the parts not yet started and is returned.
absl::Status RunParts(uint64_t count, int parallel, const std::function<absl::Status(uint64_t index)>& upload_part);

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_UPLOAD_H_
