#include "daemon/events/event_consumers.hpp"

#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/amqp_client.hpp"
#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/event_topology.hpp"
#include "core/logging.hpp"
#include "daemon/service_manager.hpp"
#include "core/notifications.hpp"
#include "core/outbox.hpp"
#include "core/pg/error.hpp"
#include "daemon/events/notify_metrics.hpp"
#include "daemon/http_target.hpp"
#include "daemon/ops_listener.hpp"
#include "daemon/lifecycle.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kPoll{250};  // how often a waiting consumer checks for a stop
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

enum class WebhookAnswer { kTaken, kRefused, kTryAgain };

// Posts a notification to the webhook: 2xx took it; a 4xx other than 408, 409, 425 and 429
// refuses it for good (retrying the same body cannot help); anything else is tried again.
WebhookAnswer post_webhook(const std::string& url, const nlohmann::json& body) {
  const auto target = split_http_url(url);
  httplib::Client client(target.origin);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  const auto res = client.Post(target.path, body.dump(), "application/json");
  if (!res) return WebhookAnswer::kTryAgain;
  const int status = res->status;
  if (status >= 200 && status < 300) return WebhookAnswer::kTaken;
  const bool permanent =
      status >= 400 && status < 500 && status != 408 && status != 409 && status != 425 && status != 429;
  return permanent ? WebhookAnswer::kRefused : WebhookAnswer::kTryAgain;
}

class Notifier {
 public:
  Notifier(const Settings& settings, const StopFlag& stop, NotifyMetrics& metrics)
      : settings_(settings),
        stop_(stop),
        metrics_(metrics),
        db_(pg::Connection::open(settings.database.url, static_cast<int>(settings.database.connect_timeout))),
        record_(db_) {}

  void setup(AmqpConnection& mq) {
    mq.declare_exchange(kNotificationsDeadLetterExchange, "fanout", true);
    mq.declare_queue(kNotificationsDeadLetters, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true});
    mq.bind_queue(kNotificationsDeadLetters, kNotificationsDeadLetterExchange, "");
    mq.declare_queue(kNotificationsQueue,
                     {.durable = true, .dead_letter_exchange = kNotificationsDeadLetterExchange, .replicated = true});
    for (const char* key : {"charge.completed", "transfer.completed", "withdrawal.completed", "withdrawal.failed"}) {
      mq.bind_queue(kNotificationsQueue, settings_.rabbitmq.exchange, key);
    }
    mq.set_prefetch(static_cast<int>(settings_.notify.prefetch));
    mq.consume(kNotificationsQueue, true);
  }

  void handle(AmqpConnection& mq, const AmqpDelivery& d) {
    const auto event = nlohmann::json::parse(d.body, nullptr, false);
    std::optional<Notification> note;
    try {
      if (!d.message_id || d.message_id->empty()) throw DomainError(ErrorCode::kInvalidInput, "message has no message_id");
      if (record_.seen(*d.message_id)) {  // a redelivery: already told
        log_event(spdlog::level::info, "duplicate message dropped", {{"message_id", *d.message_id}});
        mq.ack(d.delivery_tag);
        metrics_.duplicate();
        return;
      }
      note = render_notification(event, [this](const std::string& w) { return record_.owner_of(w); });
    } catch (const DomainError& e) {
      if (error_info(e.code()).error_class != ErrorClass::kInvalidInput) throw;  // not the message's fault
      log_event(spdlog::level::warn, "undecodable message dead-lettered",
                {{"routing_key", d.routing_key}, {"error", std::string(e.detail())}});
      mq.reject(d.delivery_tag);
      metrics_.dead_lettered();
      return;
    }
    if (note && !deliver(*note, event)) {
      // Refused for good: dead-lettered (not remembered, so it can be sent again from there),
      // never holding up the queue behind it.
      log_event(spdlog::level::warn, "notification refused by the webhook; dead-lettered",
                {{"message_id", *d.message_id}, {"routing_key", d.routing_key}});
      mq.reject(d.delivery_tag);
      metrics_.dead_lettered();
      return;
    }
    record_.remember(*d.message_id);
    mq.ack(d.delivery_tag);
    metrics_.delivered();
  }

 private:
  // A webhook that is down holds the message (unacknowledged) until it answers or we stop.
  // Returns false when the webhook refused the notification for good.
  bool deliver(const Notification& note, const nlohmann::json& event) {
    const nlohmann::json body = {
        {"user_id", note.user_id}, {"text", note.text}, {"event_id", event["id"]}, {"event_type", event["type"]}};
    if (settings_.notify.webhook_url.empty()) {
      std::cout << "notify " << note.user_id << ": " << note.text << std::endl;
      return true;
    }
    Backoff backoff(std::chrono::milliseconds(200), std::chrono::milliseconds(10'000));
    for (;;) {
      const auto answer = post_webhook(settings_.notify.webhook_url, body);
      if (answer != WebhookAnswer::kTryAgain) return answer == WebhookAnswer::kTaken;
      if (stop_.raised()) throw DomainError(ErrorCode::kUnavailable, "stopping with the webhook unreachable");
      log_event(spdlog::level::warn, "notification webhook unavailable; retrying", {{"event_id", event["id"]}});
      std::this_thread::sleep_for(backoff.next());
    }
  }

  const Settings& settings_;
  const StopFlag& stop_;
  NotifyMetrics& metrics_;
  pg::Connection db_;
  NotificationRecord record_;
};

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
        std::cout << "walletctl: notify consuming " << kNotificationsQueue
                  << (ops ? ", metrics on " + ops->url() : "") << std::endl;
        service_manager::ready(std::string("consuming ") + kNotificationsQueue);
      } else {
        log_event(spdlog::level::info, "notify reconnected", nlohmann::json::object());
      }
      consuming = true;
      backoff.succeeded();
      while (!stop.raised()) {
        const auto d = mq.next_delivery(kPoll);
        if (d) notifier.handle(mq, *d);
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
