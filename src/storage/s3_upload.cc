// Amazon S3 and S3-compatible stores: PutObject for a small file, else
// CreateMultipartUpload, UploadPart (in parallel), CompleteMultipartUpload,
// and AbortMultipartUpload when it fails for good. libcurl signs every
// request (Signature V4); the payload's SHA-256 and MD5 are ours.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "storage/digests.h"
#include "storage/progress.h"
#include "storage/upload.h"

namespace rtparchive::storage {
namespace {

// An ETag without its quotes.
std::string Unquoted(absl::string_view etag) {
  return std::string(absl::StripSuffix(absl::StripPrefix(etag, "\""), "\""));
}

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

class S3Upload {
 public:
  S3Upload(const ByteSource& source, const S3Destination& destination, const UploadOptions& options)
      : source_(source), to_(destination), options_(options) {
    const std::string key = UriEncode(to_.key, /*keep_slash=*/true);
    url_ = to_.endpoint.empty()
               ? absl::StrCat("https://", to_.bucket, ".s3.", to_.region, ".amazonaws.com/", key)
               : absl::StrCat(absl::StripSuffix(to_.endpoint, "/"), "/", to_.bucket, "/", key);
  }

  absl::StatusOr<UploadReport> Run() {
    const uint64_t size = source_.size();
    if (size <= options_.multipart_threshold) return PutObject(size);
    return MultipartUpload(size);
  }

 private:
  // A signed request to `url_` + `query`; `sha256_hex` of its body.
  HttpCall Call(const std::string& method, const std::string& query, const std::string& sha256_hex) const {
    HttpCall call;
    call.method = method;
    call.url = url_ + query;
    call.aws_sigv4 = absl::StrCat("aws:amz:", to_.region, ":s3");
    call.aws_credentials = absl::StrCat(to_.access_key_id, ":", to_.secret_access_key);
    call.headers.push_back("x-amz-content-sha256: " + sha256_hex);
    if (!to_.session_token.empty()) call.headers.push_back("x-amz-security-token: " + to_.session_token);
    return call;
  }

  HttpAnswer Perform(const std::function<HttpCall()>& make_call) const {
    return PerformWithRetries(make_call, options_.retry,
                              [this](const std::string& why) { Log("S3 " + url_ + ": " + why); },
                              options_.cancelled);
  }

  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }

  absl::StatusOr<UploadReport> PutObject(uint64_t size) {
    ASSIGN_OR_RETURN(const RangeDigests digests, DigestRange(source_, 0, size));
    Progress progress(size, 1, options_.progress);
    const HttpAnswer answer = Perform([&] {
      HttpCall call = Call("PUT", "", digests.sha256_hex);
      call.source = &source_;
      call.length = size;
      call.headers.push_back("Content-Type: application/zip");
      call.headers.push_back("Content-MD5: " + Base64(digests.md5));
      if (!to_.sse.empty()) call.headers.push_back("x-amz-server-side-encryption: " + to_.sse);
      call.on_sent = progress.ForTry(0);
      return call;
    });
    RETURN_IF_ERROR(StatusOf(answer, "S3 PutObject " + url_));
    return Confirm(size, Hex(digests.md5), 1);
  }

  absl::StatusOr<UploadReport> MultipartUpload(uint64_t size) {
    const uint64_t part_size = std::max<uint64_t>(options_.part_size, 5ull << 20);  // S3's minimum
    const uint64_t parts = (size + part_size - 1) / part_size;
    if (parts > 10000) {
      return absl::InvalidArgumentError(absl::StrCat(source_.name(), " needs ", parts,
                                                     " parts of ", part_size, " bytes; S3 takes 10,000"));
    }
    const HttpAnswer created = Perform([&] {
      HttpCall call = Call("POST", "?uploads=", kEmptySha256);
      call.headers.push_back("Content-Type: application/zip");
      if (!to_.sse.empty()) call.headers.push_back("x-amz-server-side-encryption: " + to_.sse);
      return call;
    });
    RETURN_IF_ERROR(StatusOf(created, "S3 CreateMultipartUpload " + url_));
    const std::optional<std::string> upload_id = XmlText(created.body, "UploadId");
    if (!upload_id || upload_id->empty()) {
      return absl::FailedPreconditionError("S3 CreateMultipartUpload " + url_ + ": no UploadId in its answer");
    }
    const std::string id_query = "uploadId=" + UriEncode(*upload_id, false);
    std::vector<std::string> etags(parts), md5s(parts);
    Progress progress(size, parts, options_.progress);
    absl::Status uploaded = RunParts(parts, options_.parallel_parts, [&](uint64_t index) -> absl::Status {
      const uint64_t offset = index * part_size, length = std::min(part_size, size - offset);
      ASSIGN_OR_RETURN(const RangeDigests digests, DigestRange(source_, offset, length));
      const std::string query = absl::StrCat("?partNumber=", index + 1, "&", id_query);
      const HttpAnswer answer = Perform([&] {
        HttpCall call = Call("PUT", query, digests.sha256_hex);
        call.source = &source_;
        call.offset = offset;
        call.length = length;
        call.headers.push_back("Content-MD5: " + Base64(digests.md5));
        call.on_sent = progress.ForTry(index);
        return call;
      });
      RETURN_IF_ERROR(StatusOf(answer, absl::StrCat("S3 UploadPart ", index + 1, " of ", parts)));
      auto etag = answer.headers.find("etag");
      if (etag == answer.headers.end() || Unquoted(etag->second) != Hex(digests.md5)) {
        return absl::DataLossError(absl::StrCat("S3 UploadPart ", index + 1, ": the store's ETag is not the part's MD5"));
      }
      etags[index] = etag->second;
      md5s[index] = digests.md5;
      return absl::OkStatus();
    });
    if (uploaded.ok()) uploaded = Complete(id_query, etags);
    if (!uploaded.ok()) {
      Abort(id_query);
      return uploaded;
    }
    std::string all_md5s;
    for (const std::string& md5 : md5s) all_md5s += md5;
    return Confirm(size, absl::StrCat(Hex(Md5(all_md5s)), "-", parts), static_cast<int>(parts));
  }

  absl::Status Complete(const std::string& id_query, const std::vector<std::string>& etags) {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags.size(); ++i) {
      absl::StrAppend(&xml, "<Part><PartNumber>", i + 1, "</PartNumber><ETag>",
                      absl::StrReplaceAll(etags[i], {{"\"", "&quot;"}}), "</ETag></Part>");
    }
    xml += "</CompleteMultipartUpload>";
    const HttpAnswer answer = Perform([&] {
      HttpCall call = Call("POST", "?" + id_query, Sha256Hex(xml));
      call.body = xml;
      call.headers.push_back("Content-Type: application/xml");
      return call;
    });
    RETURN_IF_ERROR(StatusOf(answer, "S3 CompleteMultipartUpload " + url_));
    // S3 can answer 200 and still fail, with an Error document as the body.
    if (auto code = XmlText(answer.body, "Code"); code && answer.body.find("<Error>") != std::string::npos) {
      return absl::UnavailableError("S3 CompleteMultipartUpload " + url_ + ": " + *code);
    }
    return absl::OkStatus();
  }

  // No orphan parts left to be billed: tried a few times, errors only logged.
  void Abort(const std::string& id_query) {
    const HttpAnswer answer = Perform([&] { return Call("DELETE", "?" + id_query, kEmptySha256); });
    if (answer.status < 200 || answer.status >= 300) {
      Log(absl::StrCat("S3 AbortMultipartUpload ", url_, " failed (", StatusOf(answer, "abort").message(),
                       "); its parts stay until a lifecycle rule removes them"));
    }
  }

  // The store's own word: HEAD gives the object's size and ETag.
  absl::StatusOr<UploadReport> Confirm(uint64_t size, const std::string& expected_etag, int parts) {
    const HttpAnswer head = Perform([&] { return Call("HEAD", "", kEmptySha256); });
    RETURN_IF_ERROR(StatusOf(head, "S3 HeadObject " + url_));
    auto length = head.headers.find("content-length");
    if (length == head.headers.end() || length->second != std::to_string(size)) {
      return absl::DataLossError(absl::StrCat("S3 ", url_, " holds ",
                                              length == head.headers.end() ? "?" : length->second,
                                              " bytes, not ", size));
    }
    UploadReport report{url_, size, parts, ""};
    if (auto etag = head.headers.find("etag"); etag != head.headers.end()) {
      report.etag = Unquoted(etag->second);
      std::string expected = expected_etag;
      // S3 gives a multipart object the MD5 of its parts' MD5s and "-N";
      // some compatible stores give the whole object's MD5 instead.
      if (parts > 1 && report.etag.find('-') == std::string::npos) {
        ASSIGN_OR_RETURN(const RangeDigests whole, DigestRange(source_, 0, size));
        expected = Hex(whole.md5);
      }
      if (report.etag != expected) {
        return absl::DataLossError(absl::StrCat("S3 ", url_, " has ETag ", report.etag, ", not ", expected));
      }
    }
    return report;
  }

  const ByteSource& source_;
  const S3Destination& to_;
  const UploadOptions& options_;
  std::string url_;
};

}  // namespace

absl::StatusOr<UploadReport> UploadToS3(const ByteSource& source, const S3Destination& destination,
                                        const UploadOptions& options) {
  if (destination.bucket.empty() || destination.key.empty()) {
    return absl::InvalidArgumentError("an S3 destination needs a bucket and a key");
  }
  if (destination.access_key_id.empty() || destination.secret_access_key.empty()) {
    return absl::InvalidArgumentError(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
        "temporary credentials)");
  }
  return S3Upload(source, destination, options).Run();
}

}  // namespace rtparchive::storage
