#include "storage/store_answer.h"

#include <chrono>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"

namespace rtparchive::storage {

bool Retryable(const HttpAnswer& answer) {
  return answer.status == 0 || answer.status >= 500 || answer.status == 429 || answer.status == 408;
}

int64_t BackoffMs(const RetryPolicy& policy, int retry, uint64_t random) {
  int64_t ceiling = policy.first_delay_ms;
  for (int i = 1; i < retry && ceiling < policy.max_delay_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, policy.max_delay_ms);
  if (ceiling <= 0) return 0;
  // At least half the ceiling, so a retry never comes at once.
  return ceiling / 2 + static_cast<int64_t>(random % static_cast<uint64_t>(ceiling / 2 + 1));
}

HttpAnswer PerformWithRetries(const std::function<HttpCall()>& make_call, const RetryPolicy& policy,
                              const std::function<void(const std::string& why)>& on_retry,
                              const std::atomic<bool>* cancelled) {
  thread_local std::mt19937_64 random(std::random_device{}());
  HttpAnswer answer;
  for (int attempt = 1;; ++attempt) {
    HttpCall call = make_call();
    call.cancelled = cancelled;
    answer = Perform(call);
    if ((answer.status >= 200 && answer.status < 300) || !Retryable(answer) ||
        attempt >= policy.attempts || (cancelled != nullptr && cancelled->load())) {
      return answer;
    }
    const int64_t delay_ms = BackoffMs(policy, attempt, random());
    if (on_retry) {
      on_retry(absl::StrCat(answer.status == 0 ? answer.error : absl::StrCat("HTTP ", answer.status),
                            "; try ", attempt + 1, " of ", policy.attempts, " in ", delay_ms, " ms"));
    }
    // Waits in short steps, so a node that stops is not held up.
    for (int64_t waited = 0; waited < delay_ms; waited += 50) {
      if (cancelled != nullptr && cancelled->load()) return answer;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(50, delay_ms - waited)));
    }
  }
}

absl::Status StatusOf(const HttpAnswer& answer, absl::string_view what) {
  if (answer.status >= 200 && answer.status < 300) return absl::OkStatus();
  if (answer.status == 0) return absl::UnavailableError(absl::StrCat(what, ": no answer (", answer.error, ")"));
  std::string detail = absl::StrCat("HTTP ", answer.status);
  if (auto code = XmlText(answer.body, "Code")) absl::StrAppend(&detail, " ", *code);
  if (auto message = XmlText(answer.body, "Message")) absl::StrAppend(&detail, ": ", *message);
  if (auto code = answer.headers.find("x-ms-error-code"); code != answer.headers.end() &&
                                                           !XmlText(answer.body, "Code")) {
    absl::StrAppend(&detail, " ", code->second);
  }
  const std::string message = absl::StrCat(what, ": ", detail);
  if (answer.status == 401 || answer.status == 403) return absl::PermissionDeniedError(message);
  if (answer.status == 404) return absl::NotFoundError(message);
  if (Retryable(answer)) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

std::optional<std::string> XmlText(absl::string_view xml, absl::string_view tag) {
  const std::string open = absl::StrCat("<", tag, ">"), close = absl::StrCat("</", tag, ">");
  const size_t start = xml.find(open);
  if (start == absl::string_view::npos) return std::nullopt;
  const size_t from = start + open.size();
  const size_t end = xml.find(close, from);
  if (end == absl::string_view::npos) return std::nullopt;
  const absl::string_view raw = xml.substr(from, end - from);
  std::string text;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      text.push_back(raw[i]);
      continue;
    }
    static constexpr std::pair<absl::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool decoded = false;
    for (const auto& [entity, c] : kEntities) {
      if (raw.substr(i, entity.size()) == entity) {
        text.push_back(c);
        i += entity.size() - 1;
        decoded = true;
        break;
      }
    }
    if (!decoded) text.push_back('&');
  }
  return text;
}

}  // namespace rtparchive::storage
