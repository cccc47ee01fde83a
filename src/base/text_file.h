// Reads a small text file (session, events, SDP) whole.
#ifndef RTPARCHIVE_BASE_TEXT_FILE_H_
#define RTPARCHIVE_BASE_TEXT_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rtparchive {

// NotFound naming `what` and the path when it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view what);

// `status` with "<path>: " before its message (OK stays OK).
absl::Status PrefixWithPath(const std::string& path, const absl::Status& status);

}  // namespace rtparchive

#endif  // RTPARCHIVE_BASE_TEXT_FILE_H_
