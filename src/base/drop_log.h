// Counts dropped input by reason and logs only the first drop of each reason,
// so hostile or broken input can neither go unnoticed nor flood the log.
// Not thread-safe: each owner (a stream, a capture reader) has its own.
#ifndef RTPARCHIVE_BASE_DROP_LOG_H_
#define RTPARCHIVE_BASE_DROP_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive {

using LogFunction = std::function<void(absl::string_view message)>;

class DropLog {
 public:
  // `context` prefixes each logged line (e.g. "stream abc, video ssrc 1234").
  DropLog(std::string context, LogFunction log)
      : context_(std::move(context)), log_(std::move(log)) {}

  // Counts `how_many` drops of `reason`; the first of each reason is logged
  // with `detail` and a note that later ones are only counted.
  void Count(absl::string_view reason, absl::string_view detail, int64_t how_many = 1);

  const std::map<std::string, int64_t>& counts() const { return counts_; }

 private:
  std::string context_;
  LogFunction log_;
  std::map<std::string, int64_t> counts_;
};

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_DROP_LOG_H_
