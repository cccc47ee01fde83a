// `rtparchive upload ARCHIVE.zip s3://BUCKET/KEY | azure://CONTAINER/BLOB`:
// the node's upload code, run by an operator. Credentials come from the
// standard environment variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_S3
// (or AWS_ENDPOINT_URL); AZURE_STORAGE_CONNECTION_STRING.
#ifndef RTPARCHIVE_CLI_UPLOAD_COMMAND_H_
#define RTPARCHIVE_CLI_UPLOAD_COMMAND_H_

#include <string>

namespace rtparchive::cli {

struct UploadFlags {
  std::string endpoint;  // overrides the environment's
  std::string region;
  std::string sse;
  bool progress = true;
};

// The exit status: 0 once the store confirmed the object, 1 on failure
// (with what to fix), 2 for a bad destination.
int RunUpload(const std::string& archive_path, const std::string& destination, const UploadFlags& flags);

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_UPLOAD_COMMAND_H_
