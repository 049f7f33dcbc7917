#include "daemon/payouts/worker.hpp"

#include <iostream>

#include "core/logging.hpp"
#include "daemon/lifecycle.hpp"
#include "daemon/service_manager.hpp"
#include "daemon/pending_sweeper.hpp"
#include "daemon/payouts/withdrawal_pool.hpp"

namespace wallet::daemon {

int run_worker(const Settings& settings) {
  configure_logging(settings.log);
  require_current_schema(settings);
  StopSignals signals;  // before any thread starts
  const auto cache = balance_cache_from_settings(settings);
  WithdrawalPool pool(settings, gateway_from_settings(settings), nullptr, cache.get());
  pool.start();
  PendingSweeper sweeper(settings, cache.get());  // pending transfers expire with only workers running, too
  sweeper.start();
  std::cout << "walletctl: worker running with " << settings.withdrawals.workers << " workers" << std::endl;
  service_manager::ready("running " + std::to_string(settings.withdrawals.workers) + " workers");
  const char* sig = signals.wait();
  log_event(spdlog::level::info, "stopping", {{"signal", sig}});
  ShutdownDeadline deadline;
  deadline.start(std::chrono::seconds(settings.http.shutdown_timeout), [] { return std::int64_t{-1}; });
  pool.stop();
  sweeper.stop();
  deadline.finished();
  log_event(spdlog::level::info, "stopped", {});
  return 0;
}

}  // namespace wallet::daemon
