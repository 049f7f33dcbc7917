// Retrying with exponential backoff and jitter: one rule for every loop that waits on a service
// (payout retries, the outbox relay, notify's reconnects and its webhook).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace wallet {

/// The delay before retrying after failed attempt number `attempt` (1-based): the initial
/// delay doubled per attempt up to the maximum, then a random point in its upper half, so
/// retries of many rows that failed together spread out.
std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                                      std::uint64_t random);

/// The waits of one retry loop: retry_delay() of each failure in a row, from `initial` up to
/// `max`; a success starts over.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}
  /// How long to wait after one more failure.
  std::chrono::milliseconds next() { return retry_delay(++failures_, initial_.count(), max_.count(), random_()); }
  void succeeded() { failures_ = 0; }

 private:
  const std::chrono::milliseconds initial_, max_;
  std::int64_t failures_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace wallet
