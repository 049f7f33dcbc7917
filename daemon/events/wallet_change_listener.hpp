// Keeps the balance cache honest about writes made elsewhere: listens to the notifications a
// trigger sends at each commit that changes wallets (migration 0003) and leaves tombstones of
// their new versions, even for writers that could not reach Redis. Whenever the stream may
// have gaps (at start, after a lost connection), the cache forgets everything instead.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/pg/connection.hpp"
#include "daemon/wake_pipe.hpp"

namespace wallet::daemon {

class WalletChangeListener {
 public:
  WalletChangeListener(const Settings& settings, BalanceCache& cache);
  ~WalletChangeListener();
  WalletChangeListener(const WalletChangeListener&) = delete;

  /// Listens before returning when PostgreSQL answers (else the thread keeps trying).
  void start();
  void stop();

 private:
  void run(std::optional<pg::Connection> listener);
  std::optional<pg::Connection> listen() noexcept;

  const Settings& settings_;
  BalanceCache& cache_;
  std::atomic<bool> stopping_{false};
  WakePipe wake_;
  std::thread thread_;
};

}  // namespace wallet::daemon
