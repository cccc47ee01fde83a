#include "base/text_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace rtparchive {

absl::StatusOr<std::string> ReadTextFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path);
  if (!in)
    return absl::NotFoundError(absl::StrCat("cannot read ", what, " '", path, "': check the path"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status PrefixWithPath(const std::string& path, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
}

}  // namespace rtparchive
