#include "base/drop_log.h"

#include "absl/strings/str_cat.h"

namespace rtparchive {

void DropLog::Count(absl::string_view reason, absl::string_view detail, int64_t how_many) {
  int64_t& count = counts_[std::string(reason)];
  const bool first = count == 0;
  count += how_many;
  if (first && log_) {
    log_(absl::StrCat(context_, ": dropped (", reason, ") ", detail,
                      "; further drops of this kind are only counted"));
  }
}

}  // namespace rtparchive
