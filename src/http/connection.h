// A client connection of the HTTP server, shared by server.cc (accepting,
// reading requests, deadlines) and server_responses.cc (handlers run,
// answers written). Internal to src/http.
#ifndef RTPARCHIVE_HTTP_CONNECTION_H_
#define RTPARCHIVE_HTTP_CONNECTION_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "http/message.h"
#include "http/server.h"

namespace rtparchive::http {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Server::Connection {
  enum class State { kIdle, kHead, kBody, kHandling, kWriting, kDraining };
  uint64_t id = 0;
  int fd = -1;
  State state = State::kIdle;
  int64_t deadline_ms = kNever;
  int64_t idle_since_ms = 0;
  std::string in;  // read and not yet consumed
  Request request;
  bool keep_alive = true;
  std::string out;
  size_t out_sent = 0;
  FileBody file;
  size_t piece = 0;         // the piece of `file` being sent
  uint64_t piece_sent = 0;  // ... and how much of it is sent

  uint32_t watched = 0;
};

}  // namespace rtparchive::http

#endif  // RTPARCHIVE_HTTP_CONNECTION_H_
