// `rtparchive --help`: the usage text, then the command's own flags (those
// defined in src/cli/), each with its help and default, from Abseil's public
// flag registry.
#ifndef RTPARCHIVE_CLI_HELP_TEXT_H_
#define RTPARCHIVE_CLI_HELP_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace rtparchive::cli {

// What each command does, its arguments and the exit statuses.
extern const char kUsage[];

std::string HelpText(absl::string_view usage);

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_HELP_TEXT_H_
