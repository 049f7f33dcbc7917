#include "daemon/events/event_consumers.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/amqp_client.hpp"
#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/event_topology.hpp"
#include "core/logging.hpp"
#include "daemon/service_manager.hpp"
#include "core/outbox.hpp"
#include "core/pg/error.hpp"
#include "daemon/events/notifier.hpp"
#include "daemon/events/notify_metrics.hpp"
#include "daemon/ops_listener.hpp"
#include "daemon/lifecycle.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kPoll{250};  // how often a waiting consumer checks for a stop
constexpr std::chrono::milliseconds kNoWait{0};
// notify's wait before reconnecting after an outage: doubles from the first to the last (Backoff).
constexpr std::chrono::milliseconds kFirstReconnect{250}, kLastReconnect{5000};

AmqpConnection connect_broker(const Settings& settings) {
  auto mq = AmqpConnection::open(settings.rabbitmq.url, std::chrono::milliseconds(5000),
                                 std::chrono::seconds(settings.rabbitmq.heartbeat_seconds));
  declare_event_topology(mq, settings.rabbitmq);
  return mq;
}

std::string summary_line(const AmqpDelivery& d) {
  const auto event = nlohmann::json::parse(d.body, nullptr, false);
  if (!event.is_object()) return d.routing_key + " (undecodable body)";
  std::string line = event.value("occurred_at", "?") + "  " + event.value("type", d.routing_key) + "  " +
                     event.value("id", d.message_id.value_or("?"));
  const auto& data = event.contains("data") ? event["data"] : nlohmann::json::object();
  if (data.is_object() && data.contains("amount") && data.contains("currency")) {
    line += "  " + data["amount"].dump() + " " + data.value("currency", "");
  }
  if (data.is_object() && data.contains("id")) line += "  " + data["id"].get<std::string>();
  return line;
}

}  // namespace

int tail_events(const Settings& settings, const TailOptions& options, std::ostream& out) {
  StopFlag stop;
  auto mq = connect_broker(settings);
  const auto queue =
      mq.declare_queue("", {.exclusive = true, .auto_delete = true, .dead_letter_exchange = std::nullopt});
  for (const auto& b : options.bindings) mq.bind_queue(queue, settings.rabbitmq.exchange, b);
  mq.consume(queue, false);
  std::cerr << "walletctl: tailing " << settings.rabbitmq.exchange << std::endl;
  int seen = 0;
  while (!stop.raised() && (!options.max_events || seen < *options.max_events)) {
    const auto d = mq.next_delivery(kPoll);
    if (!d) continue;
    out << (options.json ? d->body : summary_line(*d)) << std::endl;
    ++seen;
  }
  return 0;
}

int run_notifier(const Settings& settings) {
  configure_logging(settings.log);
  StopFlag stop;
  NotifyMetrics metrics(settings);
  std::optional<OpsListener> ops;
  if (!settings.notify.metrics_listen.empty()) {
    ops.emplace("notify.metrics_listen", settings.notify.metrics_listen, [&metrics] { return metrics.render(); });
    ops->start();
  }
  bool consuming = false;
  Backoff backoff(kFirstReconnect, kLastReconnect);
  const auto wait_to_reconnect = [&](const char* error) {
    metrics.consuming(false);
    const auto wait = backoff.next();
    log_event(spdlog::level::warn, "notify lost a service; reconnecting",
              {{"error", error}, {"retry_in_ms", static_cast<std::int64_t>(wait.count())}});
    for (auto waited = std::chrono::milliseconds(0); waited < wait && !stop.raised(); waited += kPoll) {
      std::this_thread::sleep_for(kPoll);  // the backoff, in steps that notice a stop
    }
  };
  // Ready as soon as it runs: it waits for the broker and the webhook itself, so an outage of
  // either must not fail the unit's start.
  service_manager::ready("connecting to RabbitMQ");
  while (!stop.raised()) {
    try {
      // Both connections are made again after an outage: the message in hand when it began was
      // not acknowledged, so the broker delivers it again and the record drops it if it was told.
      Notifier notifier(settings, stop, metrics);
      auto mq = connect_broker(settings);
      notifier.setup(mq);
      metrics.consuming(true);
      if (!consuming) {
        std::cout << "walletctl: notify consuming " << settings.notify.queue
                  << (ops ? ", metrics on " + ops->url() : "") << std::endl;
        service_manager::ready("consuming " + settings.notify.queue);
      } else {
        log_event(spdlog::level::info, "notify reconnected", nlohmann::json::object());
      }
      consuming = true;
      backoff.succeeded();
      const auto most = static_cast<std::size_t>(settings.notify.prefetch);
      std::vector<AmqpDelivery> batch;
      while (!stop.raised()) {
        // What is waiting, up to the prefetch, is one batch; the first may be waited for.
        batch.clear();
        for (auto d = mq.next_delivery(kPoll); d; d = batch.size() < most ? mq.next_delivery(kNoWait) : std::nullopt) {
          batch.push_back(std::move(*d));
        }
        if (!batch.empty()) notifier.handle(mq, batch);
      }
    } catch (const pg::Error& e) {
      // Unreachable at start-up is exit 3, as for every command; once running, notify outlasts
      // a PostgreSQL or RabbitMQ restart.
      if (!consuming || e.kind() != pg::ErrorKind::kConnection) throw;
      wait_to_reconnect(e.what());
    } catch (const DomainError& e) {
      if (!consuming || e.code() != ErrorCode::kUnavailable) throw;
      wait_to_reconnect(e.what());
    }
  }
  return 0;
}

}  // namespace wallet::daemon
