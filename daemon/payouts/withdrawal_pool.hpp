// The withdrawal worker pool: a dispatcher claims due rows for idle workers only (woken by
// NOTIFY when rows are recorded), workers call the payout gateway, and a recorder writes their
// outcomes in batches. Started by `walletctl serve`, or alone by `walletctl worker`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/payout_gateway.hpp"
#include "core/withdrawal_queue.hpp"
#include "daemon/wake_pipe.hpp"

namespace wallet::daemon {

class Metrics;

using GatewayFactory = std::function<std::unique_ptr<PayoutGateway>(int worker)>;

/// The gateway `withdrawals.gateway` names: simulated, or http to `withdrawals.bank_url`.
GatewayFactory gateway_from_settings(const Settings& settings);

class WithdrawalPool {
 public:
  /// `metrics` may be null (a pool without an HTTP server to report through); so may `cache`
  /// (Redis disabled), which is told of the wallets refunds credit.
  WithdrawalPool(const Settings& settings, GatewayFactory gateways, Metrics* metrics, BalanceCache* cache);
  ~WithdrawalPool();
  WithdrawalPool(const WithdrawalPool&) = delete;

  void start();
  /// Stops claiming, gives back claims not yet started, lets calls in progress finish and
  /// records their outcomes. Returns when every thread has ended.
  void stop();

 private:
  void dispatch_loop();
  void dispatch_once(pg::Connection& conn);
  void wait_for_work(pg::Connection& listener, std::optional<std::int64_t> next_due_ms);
  void work_loop(int index);
  void record_loop();
  void record_batch(std::optional<pg::Connection>& conn, std::vector<PayoutOutcome>& batch);
  pg::Connection connect() const;

  const Settings& settings_;
  GatewayFactory gateways_;
  Metrics* metrics_;
  BalanceCache* cache_;
  std::atomic<bool> stopping_{false};
  WakePipe wake_;  // workers and stop() wake the dispatcher

  std::mutex mutex_;
  std::condition_variable work_ready_, outcome_ready_;
  struct Claimed {
    Withdrawal withdrawal;
    std::chrono::steady_clock::time_point call_deadline;  // kLeaseMarginMs before the lease ends
  };
  std::deque<Claimed> work_;            // claimed, not yet taken by a worker
  std::deque<PayoutOutcome> outcomes_;  // answered, not yet recorded
  int idle_workers_ = 0;
  int running_workers_ = 0;

  std::thread dispatcher_, recorder_;
  std::vector<std::thread> workers_;
};

}  // namespace wallet::daemon
