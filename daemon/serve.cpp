#include "daemon/serve.hpp"

#include <iostream>
#include <thread>

#include "core/logging.hpp"
#include "daemon/events/outbox_publisher.hpp"
#include "daemon/events/wallet_change_listener.hpp"
#include "daemon/http/server.hpp"
#include "daemon/lifecycle.hpp"
#include "daemon/pending_sweeper.hpp"
#include "daemon/service_manager.hpp"
#include "daemon/payouts/withdrawal_pool.hpp"

namespace wallet::daemon {

int serve(const Settings& settings) {
  configure_logging(settings.log);
  require_current_schema(settings);
  StopSignals signals;  // before any thread starts

  const auto cache = balance_cache_from_settings(settings);
  std::optional<WalletChangeListener> listener;
  if (cache) {
    listener.emplace(settings, *cache);
    listener->start();  // before the first read: it makes the cache forget what came before
  }
  Server server(settings, cache.get());
  const int port = server.bind();
  std::optional<WithdrawalPool> pool;
  if (settings.withdrawals.enabled) {
    pool.emplace(settings, gateway_from_settings(settings), &server.metrics(), cache.get());
    pool->start();
  }
  PendingSweeper sweeper(settings, cache.get());
  sweeper.start();
  std::optional<OutboxPublisher> publisher;
  if (settings.rabbitmq.enabled) {
    publisher.emplace(settings, &server.metrics());
    publisher->start();
  }
  ShutdownDeadline deadline;
  std::thread stopper([&] {
    const char* sig = signals.wait();
    log_event(spdlog::level::info, "stopping", {{"signal", sig}, {"in_flight", server.in_flight()}});
    deadline.start(std::chrono::seconds(settings.http.shutdown_timeout), [&] { return server.in_flight(); });
    server.stop();
    if (pool) pool->stop();            // workers finish their calls while the server drains its requests
    sweeper.stop();
    if (publisher) publisher->stop();  // after the pool: its last outcomes' events go out too
    if (listener) listener->stop();
  });
  const std::string host = settings.http.listen.substr(0, settings.http.listen.rfind(':'));
  log_event(spdlog::level::info, "listening",
            {{"address", host + ":" + std::to_string(port)},
             {"threads", settings.http.threads},
             {"pool_size", settings.database.pool_size}});
  const std::string url = server.url();
  std::cout << "walletctl: listening on " << url << std::endl;
  service_manager::ready("listening on " + url);  // the socket is bound and every pool runs
  server.run();
  stopper.join();  // run() returns only once stop() was called, by the stopper
  deadline.finished();
  log_event(spdlog::level::info, "stopped", {});
  return 0;
}

}  // namespace wallet::daemon
