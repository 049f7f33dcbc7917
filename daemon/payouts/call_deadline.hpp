// One deadline for a whole outgoing call: a watchdog thread that runs an action (closing the
// call's socket) when an armed deadline passes, however the call spends its time (a bank that
// answers a byte at a time passes every per-read timeout).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace wallet::daemon {

class CallDeadline {
 public:
  using Clock = std::chrono::steady_clock;
  explicit CallDeadline(std::function<void()> on_expiry);
  ~CallDeadline();
  CallDeadline(const CallDeadline&) = delete;
  CallDeadline& operator=(const CallDeadline&) = delete;

  void arm(Clock::time_point deadline);
  /// Ends the watch; true when the deadline passed and the action ran.
  bool disarm();

 private:
  void watch();

  std::function<void()> on_expiry_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Clock::time_point> deadline_;
  bool expired_ = false, quit_ = false;
  std::thread thread_;
};

}  // namespace wallet::daemon
