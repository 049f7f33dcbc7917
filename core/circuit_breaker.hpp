// A circuit breaker for a dependency the service can live without (the balance cache): after
// some consecutive failures callers stop waiting on it for a cool-down, then one trial call
// decides whether it is back.
#pragma once

#include <chrono>
#include <mutex>

namespace wallet {

class CircuitBreaker {
 public:
  enum class State { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(int failures_to_open, std::chrono::milliseconds cool_down)
      : failures_to_open_(failures_to_open), cool_down_(cool_down) {}

  /// Whether to call the dependency now. Once the cool-down has passed, exactly one caller is
  /// let through (half-open) until it reports its outcome.
  bool allow(Clock::time_point now = Clock::now());
  void success();
  void failure(Clock::time_point now = Clock::now());
  State state() const;

 private:
  const int failures_to_open_;
  const std::chrono::milliseconds cool_down_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  int consecutive_failures_ = 0;
  Clock::time_point open_until_{};
};

}  // namespace wallet
