// The outbox publisher: relays outbox rows in id order to the `wallet.events` exchange with
// publisher confirms, marking rows published only once the broker confirmed them. One daemon
// relays at a time (a PostgreSQL advisory lock); the others wait to take over.
#pragma once

#include <atomic>
#include <thread>

#include "core/config.hpp"
#include "daemon/wake_pipe.hpp"

namespace wallet::daemon {

class Metrics;

class OutboxPublisher {
 public:
  /// `metrics` may be null.
  OutboxPublisher(const Settings& settings, Metrics* metrics);
  ~OutboxPublisher();
  OutboxPublisher(const OutboxPublisher&) = delete;

  void start();
  /// Stops after the batch in flight, and a last relay of what is waiting (bounded).
  void stop();

 private:
  void run();

  const Settings& settings_;
  Metrics* metrics_;
  std::atomic<bool> stopping_{false};
  WakePipe wake_;  // stop() wakes the relay
  std::thread thread_;
};

}  // namespace wallet::daemon
