// The expiry sweep of pending transfers, run by `serve` and `worker`: every
// ledger.pending_sweep_interval_ms it closes, as expired, the pending transfers past their
// expires_at (core/pending_transfers.hpp). Any number of processes may run it at once.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/balance_cache.hpp"
#include "core/config.hpp"

namespace wallet::daemon {

class PendingSweeper {
 public:
  /// `cache` (may be null) is told of the wallets whose reservations an expiry releases.
  PendingSweeper(const Settings& settings, BalanceCache* cache) : settings_(settings), cache_(cache) {}
  ~PendingSweeper() { stop(); }
  PendingSweeper(const PendingSweeper&) = delete;

  void start();
  /// Returns once the sweep in progress, if any, has committed or rolled back.
  void stop();

 private:
  void loop();
  /// Waits up to `delay` or until stop(); false once stopping.
  bool wait(std::chrono::milliseconds delay);

  const Settings& settings_;
  BalanceCache* cache_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wallet::daemon
