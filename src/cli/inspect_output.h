// What `rtparchive inspect` prints: a summary for people, the same as JSON,
// and an SVG timeline of each stream's segments and gaps on one time axis.
#ifndef RTPARCHIVE_CLI_INSPECT_OUTPUT_H_
#define RTPARCHIVE_CLI_INSPECT_OUTPUT_H_

#include <string>

#include "inspect/archive_check.h"

namespace rtparchive::cli {

std::string FormatInspect(const inspect::ArchiveReport& report);
std::string InspectJson(const inspect::ArchiveReport& report);
std::string TimelineSvg(const inspect::ArchiveReport& report);

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_INSPECT_OUTPUT_H_
