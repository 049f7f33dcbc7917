// The payout gateway: whatever actually sends money out of the ledger (a bank). One interface
// with two implementations: simulated (here) and http (the daemon's bank client).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "core/money.hpp"

namespace wallet {

struct PayoutRequest {
  std::string withdrawal_id;  // also the idempotency key the bank dedupes retries by
  std::string wallet_id;
  Money amount;
  std::string currency;
  /// The call is over by then, whatever happens (a second before its claim's lease ends).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

enum class PayoutStatus {
  kPaid,       // the bank took it
  kRefused,    // a definite no: refunded, unless an earlier call's outcome was unknown
  kTransient,  // the bank did nothing (it said so, or never got the request): retried
  kUnknown,    // the request may have reached the bank and no answer came: it may have paid.
               // From then on the withdrawal is never refunded automatically
};

struct PayoutResult {
  PayoutStatus status = PayoutStatus::kTransient;
  std::string reason;                                  // why it was refused or failed; empty when paid
  std::optional<std::chrono::milliseconds> retry_after;  // the bank asked to wait this long
  bool reached_bank = true;  // false: the request never left (no connection): not an attempt
};

/// One gateway per worker thread: implementations need not be thread-safe.
class PayoutGateway {
 public:
  virtual ~PayoutGateway() = default;
  virtual PayoutResult pay(const PayoutRequest& request) = 0;
};

/// A bank that answers after a fixed latency and fails a percentage of calls transiently:
/// for demos and benchmarks.
class SimulatedGateway : public PayoutGateway {
 public:
  SimulatedGateway(std::chrono::milliseconds latency, int failure_percent, std::uint64_t seed)
      : latency_(latency), failure_percent_(failure_percent), rng_(seed) {}
  PayoutResult pay(const PayoutRequest& request) override;

 private:
  std::chrono::milliseconds latency_;
  int failure_percent_;
  std::mt19937_64 rng_;
};

}  // namespace wallet
