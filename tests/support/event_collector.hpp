// Collects the events that reach a queue bound to the events exchange, on a thread of its own, for
// tests that check what the outbox publisher delivered.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amqp_client.hpp"
#include "core/config.hpp"

namespace wallet::testing {

struct CollectedEvent {
  std::string message_id, routing_key, body;
};

class EventCollector {
 public:
  /// Binds a queue to `exchange` (the default one, wallet.events) with "#": a broker-named
  /// one, or a durable one with this name (it survives a broker restart). The destructor
  /// deletes it.
  explicit EventCollector(const std::string& durable_queue = "", std::string exchange = Settings{}.rabbitmq.exchange);
  ~EventCollector();

  /// Every delivery so far, redeliveries included.
  std::vector<CollectedEvent> events() const;
  /// Waits (bounded) until `done` holds for the deliveries so far.
  bool wait_until(const std::function<bool(const std::vector<CollectedEvent>&)>& done, std::chrono::seconds limit);

 private:
  void run();
  AmqpConnection connect() const;
  const std::string exchange_;
  std::string queue_;
  bool durable_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<CollectedEvent> events_;
  std::thread thread_;
};

}  // namespace wallet::testing
