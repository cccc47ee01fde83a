// What `rtparchive --version` prints: the version, and the versions of the
// libraries it was built with (as their headers say at build time, or their
// own functions at run time where they have one).
#ifndef RTPARCHIVE_CLI_VERSION_H_
#define RTPARCHIVE_CLI_VERSION_H_

#include <string>

namespace rtparchive::cli {

std::string VersionText();

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_VERSION_H_
