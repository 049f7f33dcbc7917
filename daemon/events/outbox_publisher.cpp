#include "daemon/events/outbox_publisher.hpp"

#include <optional>
#include <set>

#include "core/amqp_client.hpp"
#include "core/backoff.hpp"
#include "core/errors.hpp"
#include "core/event_topology.hpp"
#include "core/logging.hpp"
#include "core/outbox.hpp"
#include "core/pg/connection.hpp"
#include "core/signals.hpp"
#include "daemon/metrics.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kIdleWait{1000};
constexpr std::chrono::milliseconds kConfirmTimeout{10'000};
constexpr std::chrono::seconds kPruneEvery{60};

// The broker is away or refused a batch: the rows stay unpublished and are sent again.
struct BrokerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One relay session: a database connection that holds the lock and listens, and a broker
// connection opened when there is something to send.
class Relay {
 public:
  Relay(const Settings& settings, Metrics* metrics) : settings_(settings), metrics_(metrics) {}

  pg::Connection& db() {
    if (!db_ || db_->is_broken()) {
      leader_ = false;
      db_.emplace(pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout)));
      signals::listen(*db_, signals::kOutboxChannel);
    }
    return *db_;
  }

  /// True while this process holds the relay lock (kept for the connection's life).
  bool lead() {
    if (!leader_ && signals::try_lock(db(), signals::Lock::kOutboxRelay)) {
      leader_ = true;
      log_event(spdlog::level::info, "outbox relay: this process now relays events", {});
    }
    return leader_;
  }

  /// Publishes everything waiting, batch by batch, each confirmed before it is marked.
  void relay_all(const std::atomic<bool>& stopping) {
    const int batch = static_cast<int>(settings_.rabbitmq.publish_batch);
    for (;;) {
      const auto rows = unpublished_events(db(), batch);
      if (rows.empty()) return;
      const auto returned = publish(rows);
      std::vector<std::int64_t> published, kept;
      for (const auto& r : rows) (returned.contains(r.event_id) ? kept : published).push_back(r.id);
      mark_published(db(), published);
      mark_returned(db(), kept);
      if (metrics_) metrics_->events_published(static_cast<int>(published.size()));
      if (!kept.empty()) {
        log_event(spdlog::level::warn, "outbox relay: no queue took some events; they stay in the outbox",
                  {{"events", kept.size()}, {"exchange", settings_.rabbitmq.exchange}});
      }
      if (stopping || static_cast<int>(rows.size()) < batch) return;
    }
  }

  void prune_if_due() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_prune_) return;
    next_prune_ = now + kPruneEvery;
    const auto deleted = prune_published(db(), std::chrono::hours(settings_.rabbitmq.outbox_retention_hours));
    if (deleted > 0) log_event(spdlog::level::info, "outbox pruned", {{"rows", deleted}});
  }

  void drop_broker() { mq_.reset(); }
  /// Between batches: heartbeats go out, and a broker gone silent (frozen, cut off) is
  /// dropped now rather than found out by the next batch's confirm timeout.
  void keep_broker_alive() {
    if (!mq_) return;
    try {
      mq_->keep_alive();
    } catch (const DomainError& e) {
      mq_.reset();
      log_event(spdlog::level::warn, "outbox relay: lost the broker; reconnecting for the next batch",
                {{"error", std::string(e.detail())}});
    }
  }
  void drop_database() {
    db_.reset();
    leader_ = false;
  }

 private:
  /// Returns the event ids RabbitMQ returned: no queue was bound for them.
  std::set<std::string> publish(const std::vector<OutboxRow>& rows) {
    const auto& exchange = settings_.rabbitmq.exchange;
    try {
      if (!mq_) {
        mq_.emplace(AmqpConnection::open(settings_.rabbitmq.url, std::chrono::milliseconds(5000),
                                         std::chrono::seconds(settings_.rabbitmq.heartbeat_seconds)));
        declare_event_topology(*mq_, settings_.rabbitmq);
        mq_->enable_confirms();
      }
      std::vector<AmqpMessage> messages;
      messages.reserve(rows.size());
      for (const auto& r : rows)
        messages.push_back({r.event_type, r.payload, r.event_id, r.event_type, r.created_at_epoch});
      return mq_->publish_confirmed(exchange, messages, kConfirmTimeout);
    } catch (const DomainError& e) {
      mq_.reset();  // a half-used channel is not reused: the batch is sent again on a fresh one
      throw BrokerError(std::string(e.detail()));
    }
  }

  const Settings& settings_;
  Metrics* metrics_;
  std::optional<pg::Connection> db_;
  std::optional<AmqpConnection> mq_;
  bool leader_ = false;
  std::chrono::steady_clock::time_point next_prune_{};
};

}  // namespace

OutboxPublisher::OutboxPublisher(const Settings& settings, Metrics* metrics) : settings_(settings), metrics_(metrics) {}

OutboxPublisher::~OutboxPublisher() { stop(); }

void OutboxPublisher::start() {
  thread_ = std::thread([this] { run(); });
}

void OutboxPublisher::stop() {
  if (stopping_.exchange(true)) return;
  wake_.wake();
  if (thread_.joinable()) thread_.join();
}

void OutboxPublisher::run() {
  Relay relay(settings_, metrics_);
  Backoff backoff(std::chrono::milliseconds(100), std::chrono::milliseconds(5000));
  while (!stopping_) {
    int socket = -1;
    try {
      socket = relay.db().socket();
      if (relay.lead()) {
        relay.relay_all(stopping_);
        relay.prune_if_due();
        relay.keep_broker_alive();
      }
      wake_.wait(socket, kIdleWait);
      if (!stopping_) relay.db().drain_notifications();
      backoff.succeeded();
    } catch (const BrokerError& e) {
      // Rows wait in the outbox until the broker is back; the API is not affected.
      if (metrics_) metrics_->event_publish_failed();
      log_event(spdlog::level::warn, "outbox relay: cannot publish yet", {{"error", e.what()}});
      wake_.wait(-1, backoff.next());
    } catch (const std::exception& e) {
      log_event(spdlog::level::warn, "outbox relay: database unavailable", {{"error", e.what()}});
      relay.drop_database();  // and with it the relay lock: another daemon may take over
      wake_.wait(-1, backoff.next());
    }
  }
  // A last relay of what is waiting, so a clean stop leaves nothing behind that it could send.
  try {
    if (relay.lead()) relay.relay_all(stopping_);
  } catch (const std::exception&) {
    // The next daemon sends them: delivery is at least once, not at shutdown.
  }
}

}  // namespace wallet::daemon
