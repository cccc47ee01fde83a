// One HTTP request to a store, made with libcurl: a body from memory or
// from a range of a ByteSource (read as it is sent, never copied whole),
// optionally signed by libcurl's own AWS Signature V4; the answer's status,
// headers and (bounded) body. Blocking; safe to call from several threads.
#ifndef RTPARCHIVE_STORAGE_HTTP_CALL_H_
#define RTPARCHIVE_STORAGE_HTTP_CALL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "storage/byte_source.h"

namespace rtparchive::storage {

struct HttpCall {
  std::string method = "GET";  // GET, HEAD, PUT, POST or DELETE
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent when `source` is null
  const ByteSource* source = nullptr;
  uint64_t offset = 0, length = 0;  // of `source`
  // "aws:amz:<region>:s3" and "<access key id>:<secret>": libcurl signs the
  // request (CURLOPT_AWS_SIGV4), taking the payload hash from the
  // x-amz-content-sha256 header.
  std::string aws_sigv4;
  std::string aws_credentials;
  std::function<void(uint64_t sent)> on_sent;  // body bytes sent so far
  // Set: the transfer is abandoned (no answer) as soon as it can be.
  const std::atomic<bool>* cancelled = nullptr;
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;  // no byte moved for this long: give up
};

struct HttpAnswer {
  long status = 0;    // 0: no answer (refused, reset, timed out)
  std::string error;  // why, when status is 0
  std::string body;   // at most kMaxBody bytes kept
  std::map<std::string, std::string> headers;  // names in lower case
  static constexpr size_t kMaxBody = 1 << 20;
};

HttpAnswer Perform(const HttpCall& call);

// RFC 3986 percent-encoding of everything but unreserved characters (and
// '/' when `keep_slash`), as S3 and Azure sign paths and queries.
std::string UriEncode(const std::string& text, bool keep_slash);

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_HTTP_CALL_H_
