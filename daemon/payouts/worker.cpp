#include "daemon/payouts/worker.hpp"

#include <iostream>
#include <memory>

#include "core/logging.hpp"
#include "core/withdrawal_queue.hpp"
#include "daemon/lifecycle.hpp"
#include "daemon/metrics.hpp"
#include "daemon/ops_listener.hpp"
#include "daemon/service_manager.hpp"
#include "daemon/pending_sweeper.hpp"
#include "daemon/payouts/withdrawal_pool.hpp"

namespace wallet::daemon {
namespace {

// [withdrawals] metrics_listen: the pool's figures and the queue's, read on one connection of
// its own so a scrape never waits for a worker's.
std::unique_ptr<OpsListener> ops_listener(const Settings& settings, const Metrics& metrics, const BalanceCache* cache,
                                          std::optional<pg::ConnectionPool>& scrape_db) {
  if (settings.withdrawals.metrics_listen.empty()) return nullptr;
  scrape_db.emplace(pg::PoolOptions{settings.database.url, 1, static_cast<int>(settings.database.connect_timeout),
                                    std::chrono::milliseconds(settings.database.pool_timeout_ms)});
  return std::make_unique<OpsListener>("withdrawals.metrics_listen", settings.withdrawals.metrics_listen, [&metrics, cache, &scrape_db] {
    std::optional<QueueStats> queue;
    try {
      auto conn = scrape_db->acquire();
      queue = withdrawal_queue_stats(*conn);
    } catch (const std::exception&) {
      // Metrics still answer while the database is away, without the queue's figures.
    }
    return metrics.render_worker(queue, cache ? std::optional<CacheStats>(cache->stats()) : std::nullopt);
  });
}

}  // namespace

int run_worker(const Settings& settings) {
  configure_logging(settings.log);
  require_current_schema(settings);
  StopSignals signals;  // before any thread starts
  const auto cache = balance_cache_from_settings(settings);
  Metrics metrics;
  std::optional<pg::ConnectionPool> scrape_db;
  auto ops = ops_listener(settings, metrics, cache.get(), scrape_db);
  if (ops) ops->start();  // first: a port in use stops the start before any payout begins
  WithdrawalPool pool(settings, gateway_from_settings(settings), &metrics, cache.get());
  pool.start();
  PendingSweeper sweeper(settings, cache.get());  // pending transfers expire with only workers running, too
  sweeper.start();
  std::cout << "walletctl: worker running with " << settings.withdrawals.workers << " workers"
            << (ops ? ", metrics on " + ops->url() : "") << std::endl;
  service_manager::ready("running " + std::to_string(settings.withdrawals.workers) + " workers");
  const char* sig = signals.wait();
  log_event(spdlog::level::info, "stopping", {{"signal", sig}});
  ShutdownDeadline deadline;
  deadline.start(std::chrono::seconds(settings.http.shutdown_timeout), [] { return std::int64_t{-1}; });
  if (ops) ops->stop();
  pool.stop();
  sweeper.stop();
  deadline.finished();
  log_event(spdlog::level::info, "stopped", {});
  return 0;
}

}  // namespace wallet::daemon
