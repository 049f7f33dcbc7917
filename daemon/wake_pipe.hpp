// A self-pipe that wakes a background thread blocked in poll(): producers and stop() write a
// byte, the thread waits on it together with its database socket.
#pragma once

#include <chrono>

namespace wallet::daemon {

class WakePipe {
 public:
  WakePipe();
  ~WakePipe();
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;

  /// Safe from any thread, never blocks: a full pipe already means "wake up".
  void wake();
  /// Waits until woken, `socket` (when not -1) is readable, or `timeout` passed; returns whether
  /// the socket is readable. Wake-ups are consumed.
  bool wait(int socket, std::chrono::milliseconds timeout);

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace wallet::daemon
