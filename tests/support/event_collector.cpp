#include "tests/support/event_collector.hpp"

#include "core/errors.hpp"
#include "core/outbox.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
AmqpConnection EventCollector::connect() const {
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  mq.declare_exchange(exchange_, "topic", true);
  return mq;
}

EventCollector::EventCollector(const std::string& durable_queue, std::string exchange)
    : exchange_(std::move(exchange)), durable_(!durable_queue.empty()) {
  // The queue is bound before the constructor returns: no event published after it is missed.
  auto mq = connect();
  // Not exclusive: the consuming thread uses a connection of its own, and may reconnect. A
  // durable queue is declared as walletctl declares the events queue (it may be that one).
  const QueueOptions options{
      .durable = durable_, .exclusive = false, .auto_delete = false, .dead_letter_exchange = {}, .replicated = durable_};
  queue_ = mq.declare_queue(durable_queue, options);
  mq.bind_queue(queue_, exchange_, "#");
  thread_ = std::thread([this] { run(); });
}

EventCollector::~EventCollector() {
  stopping_ = true;
  thread_.join();
  try {
    connect().delete_queue(queue_);
  } catch (const DomainError&) {
    // The broker is gone (a test stopped it): nothing left to clean.
  }
}

// Consumes until stopped, reconnecting when the broker restarts under it.
void EventCollector::run() {
  while (!stopping_) {
    try {
      auto mq = connect();
      mq.consume(queue_, false);
      while (!stopping_) {
        auto d = mq.next_delivery(std::chrono::milliseconds(100));
        if (!d) continue;
        std::lock_guard lock(mutex_);
        events_.push_back({d->message_id.value_or(""), d->routing_key, d->body});
      }
    } catch (const DomainError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the broker is restarting
    }
  }
}

std::vector<CollectedEvent> EventCollector::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

bool EventCollector::wait_until(const std::function<bool(const std::vector<CollectedEvent>&)>& done,
                                std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(events())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls what the consumer thread gathered
  }
  return done(events());
}

}  // namespace wallet::testing
