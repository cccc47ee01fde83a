#include "cli/upload_command.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "cli/progress_bar.h"
#include "storage/destination.h"
#include "storage/upload.h"

namespace rtparchive::cli {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string FirstOf(std::initializer_list<std::string> values) {
  for (const std::string& value : values) {
    if (!value.empty()) return value;
  }
  return std::string();
}

// What to fix when the store refused the request.
std::string Advice(const absl::Status& status, const std::string& scheme) {
  if (absl::IsPermissionDenied(status)) {
    return scheme == "s3"
               ? "\nthe store refused the credentials: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                 "(and AWS_SESSION_TOKEN for temporary ones), the bucket's region (--region or AWS_REGION), "
                 "and that the key may write to the bucket"
               : "\nthe store refused the credentials: check AccountName and AccountKey in "
                 "AZURE_STORAGE_CONNECTION_STRING, and that the key may write to the container";
  }
  if (absl::IsNotFound(status)) {
    return scheme == "s3" ? "\nthe bucket does not exist there: check its name, --region and --endpoint"
                          : "\nthe container does not exist: create it first (az storage container create)";
  }
  if (absl::IsUnavailable(status)) return "\nthe store could not be reached or kept failing: try again later";
  return "";
}

}  // namespace

int RunUpload(const std::string& archive_path, const std::string& destination, const UploadFlags& flags) {
  auto url = storage::ParseDestinationUrl(destination);
  if (!url.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(url.status().message()).c_str());
    return 2;
  }
  auto source = storage::FileSource::Open(archive_path);
  if (!source.ok()) {
    std::fprintf(stderr, "rtparchive: %s\n", std::string(source.status().message()).c_str());
    return 1;
  }
  ProgressBar bar(flags.progress);
  storage::UploadOptions options;
  options.progress = [&bar](uint64_t sent, uint64_t total) {
    bar.Update("uploading", static_cast<int64_t>(sent), static_cast<int64_t>(total));
  };
  options.log = [&bar](const std::string& line) {
    bar.Clear();
    std::fprintf(stderr, "rtparchive: %s\n", line.c_str());
  };
  absl::StatusOr<storage::UploadReport> report;
  if (url->scheme == "s3") {
    storage::S3Destination s3;
    s3.bucket = url->container;
    s3.key = url->object;
    s3.region = FirstOf({flags.region, Env("AWS_REGION"), Env("AWS_DEFAULT_REGION"), "us-east-1"});
    s3.endpoint = FirstOf({flags.endpoint, Env("AWS_ENDPOINT_URL_S3"), Env("AWS_ENDPOINT_URL")});
    s3.access_key_id = Env("AWS_ACCESS_KEY_ID");
    s3.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
    s3.session_token = Env("AWS_SESSION_TOKEN");
    s3.sse = flags.sse;
    report = storage::UploadToS3(**source, s3, options);
  } else {
    storage::AzureDestination azure;
    azure.container = url->container;
    azure.blob = url->object;
    const std::string connection = Env("AZURE_STORAGE_CONNECTION_STRING");
    if (connection.empty()) {
      std::fprintf(stderr, "rtparchive: set AZURE_STORAGE_CONNECTION_STRING (the portal's Access keys give it)\n");
      return 1;
    }
    if (absl::Status applied = storage::ApplyConnectionString(connection, &azure); !applied.ok()) {
      std::fprintf(stderr, "rtparchive: %s\n", std::string(applied.message()).c_str());
      return 1;
    }
    if (!flags.endpoint.empty()) azure.endpoint = flags.endpoint;
    report = storage::UploadToAzure(**source, azure, options);
  }
  bar.Clear();
  if (!report.ok()) {
    std::fprintf(stderr, "rtparchive: uploading %s failed: %s%s\n", archive_path.c_str(),
                 std::string(report.status().message()).c_str(), Advice(report.status(), url->scheme).c_str());
    return 1;
  }
  std::printf("uploaded %s to %s: %s in %d part%s, confirmed by the store (ETag %s)\n", archive_path.c_str(),
              report->url.c_str(), HumanBytes(static_cast<double>(report->bytes)).c_str(), report->parts,
              report->parts == 1 ? "" : "s", report->etag.c_str());
  return 0;
}

}  // namespace rtparchive::cli
