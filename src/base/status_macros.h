// Status propagation helpers, shaped like Abseil's internal status macros
// (our Debian Abseil does not ship them).
#ifndef RTPARCHIVE_BASE_STATUS_MACROS_H_
#define RTPARCHIVE_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RTPARCHIVE_CONCAT_INNER(a, b) a##b
#define RTPARCHIVE_CONCAT(a, b) RTPARCHIVE_CONCAT_INNER(a, b)

// Returns from the calling function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status status_macro_s = (expr);          \
    if (!status_macro_s.ok()) return status_macro_s; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value, or returns
// F()'s status when it failed.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(RTPARCHIVE_CONCAT(status_or_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#endif  // RTPARCHIVE_BASE_STATUS_MACROS_H_
