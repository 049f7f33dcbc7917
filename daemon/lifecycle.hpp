// What the long-running commands (`serve`, `worker`) share: the schema check at start, the
// stop signals, and the deadline that bounds a graceful shutdown.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/config.hpp"

namespace wallet::daemon {

/// Refuses to start against a database whose schema is behind this binary. An unreachable
/// database is only logged: the process starts and recovers when it is back.
void require_current_schema(const Settings& settings);

/// SIGTERM and SIGINT, blocked in every thread (construct it before starting any) and received
/// by wait().
class StopSignals {
 public:
  StopSignals();
  /// Blocks until a stop signal arrives, then tells systemd the process is stopping; returns
  /// the signal's name. Under a systemd watchdog (WatchdogSec), pings it meanwhile.
  const char* wait();

 private:
  sigset_t set_;
};

/// A flag raised by SIGTERM or SIGINT, for loops that poll: blocks the signals (construct it
/// before starting any thread) and waits for them on a thread of its own.
class StopFlag {
 public:
  StopFlag();
  ~StopFlag();
  bool raised() const { return raised_; }

 private:
  StopSignals signals_;
  std::atomic<bool> raised_{false};
  std::thread waiter_;
};

/// Ends the process with exit code 1 if a shutdown overruns its deadline: a request or a bank
/// call that hangs must not keep a stopping process alive forever.
class ShutdownDeadline {
 public:
  /// `in_flight` describes what is still running, for the log line.
  void start(std::chrono::seconds timeout, std::function<std::int64_t()> in_flight);
  /// The shutdown completed: the deadline no longer applies.
  void finished();
  ~ShutdownDeadline() { finished(); }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace wallet::daemon
