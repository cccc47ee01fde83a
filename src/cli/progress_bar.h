// A one-line progress bar on stderr for long captures. It draws only when
// stderr is a terminal, at most ten times a second, and erases itself when
// done, so logs and pipes never see it.
#ifndef RTPARCHIVE_CLI_PROGRESS_BAR_H_
#define RTPARCHIVE_CLI_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace rtparchive::cli {

class ProgressBar {
 public:
  // Draws only when `enabled` and stderr is a terminal.
  explicit ProgressBar(bool enabled);
  ~ProgressBar();

  void Update(const char* phase, int64_t done, int64_t total);
  // Erases the bar.
  void Clear();

 private:
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_;
  std::chrono::steady_clock::time_point start_;
};

// "12.3 MB" style sizes.
std::string HumanBytes(double bytes);

}  // namespace rtparchive::cli

#endif  // RTPARCHIVE_CLI_PROGRESS_BAR_H_
