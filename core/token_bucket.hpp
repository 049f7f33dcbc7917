// A token bucket: `rate` tokens a second up to `burst`; a request takes one or is told how
// long until one is there. Not thread-safe: its owner locks.
#pragma once

#include <algorithm>
#include <chrono>

namespace wallet {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate, double burst, Clock::time_point now)
      : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  /// Takes `count` tokens (a batch's operations); when fewer are there, takes none, returns
  /// false and sets `wait` to when they will be. More than the burst is never there.
  bool take(Clock::time_point now, std::chrono::duration<double>& wait, double count = 1) {
    if (has_token(now, wait, count)) {
      tokens_ -= count;
      return true;
    }
    return false;
  }

  /// Whether `count` tokens are there, taking none; when not, sets `wait` to when they will be.
  bool has_token(Clock::time_point now, std::chrono::duration<double>& wait, double count = 1) {
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * rate_);
    last_ = now;
    if (tokens_ >= count) return true;
    wait = std::chrono::duration<double>((count - tokens_) / rate_);
    return false;
  }

 private:
  double rate_, burst_, tokens_;
  Clock::time_point last_;
};

}  // namespace wallet
