// The one-screen summary `rtparchive replay` prints at the end: what was in
// the capture, what each stream's file holds, and everything lost or dropped.
#ifndef RTPARCHIVE_CLI_SUMMARY_H_
#define RTPARCHIVE_CLI_SUMMARY_H_

#include <string>

#include "replay/replay.h"

namespace rtparchive::cli {

std::string FormatSummary(const replay::ReplayReport& report);

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_SUMMARY_H_
