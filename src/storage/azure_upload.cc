// Azure Blob storage: Put Blob for a small file, else Put Block (in
// parallel) and Put Block List, every request signed with the account's
// Shared Key (HMAC-SHA256 over the request's canonical form).
#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "storage/digests.h"
#include "storage/progress.h"
#include "storage/upload.h"

namespace rtparchive::storage {
namespace {

constexpr char kApiVersion[] = "2021-12-02";

class AzureUpload {
 public:
  AzureUpload(const ByteSource& source, const AzureDestination& destination, const std::string& key,
              const UploadOptions& options)
      : source_(source), to_(destination), key_(key), options_(options) {
    const std::string base = to_.endpoint.empty()
                                 ? absl::StrCat("https://", to_.account, ".blob.core.windows.net")
                                 : std::string(absl::StripSuffix(to_.endpoint, "/"));
    url_ = absl::StrCat(base, "/", UriEncode(to_.container, false), "/", UriEncode(to_.blob, true));
    const size_t path_start = url_.find('/', url_.find("://") + 3);
    path_ = url_.substr(path_start);
  }

  absl::StatusOr<UploadReport> Run() {
    const uint64_t size = source_.size();
    if (size <= options_.multipart_threshold) return PutBlob(size);
    return PutBlocks(size);
  }

 private:
  // A request signed with Shared Key. `query` without '?', `headers` as
  // name -> value (Content-* and x-ms-* are signed), `length` of its body.
  HttpCall Call(const std::string& method, const std::map<std::string, std::string>& query,
                std::map<std::string, std::string> headers, uint64_t length) const {
    headers["x-ms-date"] = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone());
    headers["x-ms-version"] = kApiVersion;
    auto header = [&headers](const std::string& name) {
      auto it = headers.find(name);
      return it == headers.end() ? std::string() : it->second;
    };
    std::string to_sign = absl::StrCat(method, "\n", header("content-encoding"), "\n",
                                       header("content-language"), "\n",
                                       length > 0 ? std::to_string(length) : "", "\n", header("content-md5"),
                                       "\n", header("content-type"), "\n\n\n\n\n\n\n");
    for (const auto& [name, value] : headers) {
      if (absl::StartsWith(name, "x-ms-")) absl::StrAppend(&to_sign, name, ":", value, "\n");
    }
    absl::StrAppend(&to_sign, "/", to_.account, path_);
    std::string query_text;
    for (const auto& [name, value] : query) {
      absl::StrAppend(&to_sign, "\n", name, ":", value);
      absl::StrAppend(&query_text, query_text.empty() ? "?" : "&", name, "=", UriEncode(value, false));
    }
    HttpCall call;
    call.method = method;
    call.url = url_ + query_text;
    for (const auto& [name, value] : headers) call.headers.push_back(absl::StrCat(name, ": ", value));
    call.headers.push_back(absl::StrCat("Authorization: SharedKey ", to_.account, ":",
                                        Base64(HmacSha256(key_, to_sign))));
    return call;
  }

  HttpAnswer Perform(const std::function<HttpCall()>& make_call) const {
    return PerformWithRetries(make_call, options_.retry,
                              [this](const std::string& why) {
                                if (options_.log) options_.log("Azure " + url_ + ": " + why);
                              },
                              options_.cancelled);
  }

  absl::StatusOr<UploadReport> PutBlob(uint64_t size) {
    ASSIGN_OR_RETURN(const RangeDigests digests, DigestRange(source_, 0, size));
    Progress progress(size, 1, options_.progress);
    const HttpAnswer answer = Perform([&] {
      HttpCall call = Call("PUT", {},
                           {{"content-md5", Base64(digests.md5)},
                            {"content-type", "application/zip"},
                            {"x-ms-blob-type", "BlockBlob"}},
                           size);
      call.source = &source_;
      call.length = size;
      call.on_sent = progress.ForTry(0);
      return call;
    });
    RETURN_IF_ERROR(StatusOf(answer, "Azure Put Blob " + url_));
    return Confirm(size, Base64(digests.md5), 1);
  }

  absl::StatusOr<UploadReport> PutBlocks(uint64_t size) {
    const uint64_t block_size = options_.part_size;
    const uint64_t blocks = (size + block_size - 1) / block_size;
    if (blocks > 50000) return absl::InvalidArgumentError("too many blocks for one Azure blob");
    // Every ID of a blob has the same length (the service demands it).
    std::vector<std::string> ids(blocks);
    for (uint64_t i = 0; i < blocks; ++i) ids[i] = Base64(absl::StrFormat("rtparchive-%08d", i));
    Progress progress(size, blocks, options_.progress);
    RETURN_IF_ERROR(RunParts(blocks, options_.parallel_parts, [&](uint64_t index) -> absl::Status {
      const uint64_t offset = index * block_size, length = std::min(block_size, size - offset);
      ASSIGN_OR_RETURN(const RangeDigests digests, DigestRange(source_, offset, length));
      const HttpAnswer answer = Perform([&] {
        HttpCall call = Call("PUT", {{"blockid", ids[index]}, {"comp", "block"}},
                             {{"content-md5", Base64(digests.md5)}}, length);
        call.source = &source_;
        call.offset = offset;
        call.length = length;
        call.on_sent = progress.ForTry(index);
        return call;
      });
      return StatusOf(answer, absl::StrCat("Azure Put Block ", index + 1, " of ", blocks));
    }));
    // The whole blob's MD5, stored with it so that its properties confirm it.
    ASSIGN_OR_RETURN(const RangeDigests whole, DigestRange(source_, 0, size));
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (const std::string& id : ids) absl::StrAppend(&xml, "<Latest>", id, "</Latest>");
    xml += "</BlockList>";
    const HttpAnswer answer = Perform([&] {
      HttpCall call = Call("PUT", {{"comp", "blocklist"}},
                           {{"content-type", "application/xml"},
                            {"x-ms-blob-content-md5", Base64(whole.md5)},
                            {"x-ms-blob-content-type", "application/zip"}},
                           xml.size());
      call.body = xml;
      return call;
    });
    RETURN_IF_ERROR(StatusOf(answer, "Azure Put Block List " + url_));
    return Confirm(size, Base64(whole.md5), static_cast<int>(blocks));
  }

  // Get Blob Properties: the blob's size and the MD5 it was stored with.
  absl::StatusOr<UploadReport> Confirm(uint64_t size, const std::string& md5_base64, int parts) {
    const HttpAnswer head = Perform([&] { return Call("HEAD", {}, {}, 0); });
    RETURN_IF_ERROR(StatusOf(head, "Azure Get Blob Properties " + url_));
    auto length = head.headers.find("content-length");
    if (length == head.headers.end() || length->second != std::to_string(size)) {
      return absl::DataLossError(absl::StrCat("Azure ", url_, " holds ",
                                              length == head.headers.end() ? "?" : length->second,
                                              " bytes, not ", size));
    }
    auto md5 = head.headers.find("content-md5");
    if (md5 != head.headers.end() && md5->second != md5_base64) {
      return absl::DataLossError(absl::StrCat("Azure ", url_, " has Content-MD5 ", md5->second,
                                              ", not ", md5_base64));
    }
    auto etag = head.headers.find("etag");
    return UploadReport{url_, size, parts, etag == head.headers.end() ? "" : etag->second};
  }

  const ByteSource& source_;
  const AzureDestination& to_;
  const std::string key_;  // decoded
  const UploadOptions& options_;
  std::string url_, path_;
};

}  // namespace

absl::StatusOr<UploadReport> UploadToAzure(const ByteSource& source,
                                           const AzureDestination& destination,
                                           const UploadOptions& options) {
  if (destination.account.empty() || destination.container.empty() || destination.blob.empty()) {
    return absl::InvalidArgumentError("an Azure destination needs an account, a container and a blob");
  }
  const std::optional<std::string> key = FromBase64(destination.account_key);
  if (!key || key->empty()) {
    return absl::InvalidArgumentError("the Azure account key is not base64: copy it from the portal's Access keys");
  }
  return AzureUpload(source, destination, *key, options).Run();
}

}  // namespace rtparchive::storage
