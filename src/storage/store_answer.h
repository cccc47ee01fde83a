// Reading a store's answers: which failures are worth another try, how long
// to wait before it, the error an answer means (with the store's own code
// and message from its XML body), and elements of those XML bodies.
#ifndef RTPARCHIVE_STORAGE_STORE_ANSWER_H_
#define RTPARCHIVE_STORAGE_STORE_ANSWER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/http_call.h"

namespace rtparchive::storage {

struct RetryPolicy {
  int attempts = 6;  // in all, the first included
  int64_t first_delay_ms = 250;
  int64_t max_delay_ms = 30'000;
};

// No answer (refused, reset, timed out), 5xx, 429 and 408 are tried again;
// 403, 404 and other refusals are not: the same request would fail again.
bool Retryable(const HttpAnswer& answer);

// Exponential backoff with full jitter (a uniform pick below the doubled
// delay, so many nodes retrying do not come back together), before retry
// `retry` (1 = the first).
int64_t BackoffMs(const RetryPolicy& policy, int retry, uint64_t random);

// Makes the call (made anew for each try: signatures carry the time) until
// it succeeds (2xx), fails for good, or the policy's tries are used up;
// `on_retry` hears each failure that is tried again. `cancelled` stops the
// waiting between tries.
HttpAnswer PerformWithRetries(const std::function<HttpCall()>& make_call, const RetryPolicy& policy,
                              const std::function<void(const std::string& why)>& on_retry,
                              const std::atomic<bool>* cancelled = nullptr);

// OK for 2xx; else the error `what` met: PermissionDenied for 401/403,
// NotFound for 404, Unavailable for no answer, 5xx and throttling,
// FailedPrecondition otherwise; the message names the store's code and
// message when its body has them.
absl::Status StatusOf(const HttpAnswer& answer, absl::string_view what);

// The text of the first <tag>...</tag> in `xml`, entities decoded; nullopt
// when there is none. For the few fields read from S3's and Azure's XML
// answers (UploadId, Code, Message), not a general XML parser.
std::optional<std::string> XmlText(absl::string_view xml, absl::string_view tag);

}  // namespace rtparchive::storage

#endif  // RTPARCHIVE_STORAGE_STORE_ANSWER_H_
