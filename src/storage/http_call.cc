#include "storage/http_call.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace rtparchive::storage {
namespace {

struct Transfer {
  const HttpCall* call;
  uint64_t sent = 0;
  absl::Status read_status;
  HttpAnswer* answer;
};

size_t ReadBody(char* out, size_t size, size_t count, void* user) {
  Transfer& transfer = *static_cast<Transfer*>(user);
  const HttpCall& call = *transfer.call;
  const uint64_t total = call.source != nullptr ? call.length : call.body.size();
  const size_t want = static_cast<size_t>(std::min<uint64_t>(size * count, total - transfer.sent));
  if (want == 0) return 0;
  if (call.source == nullptr) {
    std::memcpy(out, call.body.data() + transfer.sent, want);
  } else {
    absl::StatusOr<size_t> got =
        call.source->ReadAt(call.offset + transfer.sent, reinterpret_cast<uint8_t*>(out), want);
    if (!got.ok() || *got != want) {
      transfer.read_status = got.ok() ? absl::DataLossError("the source ended early") : got.status();
      return CURL_READFUNC_ABORT;
    }
  }
  transfer.sent += want;
  if (call.on_sent) call.on_sent(transfer.sent);
  return want;
}

size_t KeepBody(char* data, size_t size, size_t count, void* user) {
  std::string& body = static_cast<Transfer*>(user)->answer->body;
  const size_t bytes = size * count;
  if (body.size() < HttpAnswer::kMaxBody) body.append(data, std::min(bytes, HttpAnswer::kMaxBody - body.size()));
  return bytes;
}

size_t KeepHeader(char* data, size_t size, size_t count, void* user) {
  const absl::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    static_cast<Transfer*>(user)->answer->headers[name] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

int CheckCancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const std::atomic<bool>* cancelled = static_cast<Transfer*>(user)->call->cancelled;
  return cancelled != nullptr && cancelled->load() ? 1 : 0;
}

}  // namespace

HttpAnswer Perform(const HttpCall& call) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    answer.error = "libcurl could not start a transfer";
    return answer;
  }
  Transfer transfer{&call, 0, absl::OkStatus(), &answer};
  curl_slist* headers = nullptr;
  for (const std::string& header : call.headers) headers = curl_slist_append(headers, header.c_str());
  // No "Expect: 100-continue" round trip before each part. Not with SigV4:
  // libcurl would sign the emptied header that it then does not send.
  if (call.aws_sigv4.empty()) headers = curl_slist_append(headers, "Expect:");
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(call.connect_timeout_s));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(call.stall_timeout_s));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, KeepBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, KeepHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (call.cancelled != nullptr) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, CheckCancelled);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  const uint64_t body_size = call.source != nullptr ? call.length : call.body.size();
  if (call.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
  } else if (call.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
  } else if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (!call.aws_sigv4.empty()) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, call.aws_sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, call.aws_credentials.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  } else {
    answer.status = 0;
    answer.error = !transfer.read_status.ok() ? std::string(transfer.read_status.message())
                   : error[0] != '\0'         ? std::string(error)
                                              : curl_easy_strerror(code);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

std::string UriEncode(const std::string& text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  return out;
}

}  // namespace rtparchive::storage
