// What `walletctl notify` exposes on its operations port ([notify] metrics_listen):
// notifications by outcome, whether it is consuming, and the dead-letter queue's depth.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.hpp"

namespace wallet::daemon {

class NotifyMetrics {
 public:
  explicit NotifyMetrics(const Settings& settings) : settings_(settings) {}

  void delivered() { ++delivered_; }
  void duplicate() { ++duplicates_; }
  /// A message sent to the dead-letter queue: undecodable, or refused for good by the webhook.
  void dead_lettered() { ++dead_lettered_; }
  void consuming(bool yes) { consuming_ = yes; }

  /// The text exposition. The dead-letter queue's depth is asked of RabbitMQ on a connection
  /// of its own (the consumer's is not shared across threads), at most once per kDepthEvery
  /// whatever the scrape rate; it is left out while the broker cannot be asked.
  std::string render();

  static constexpr std::chrono::seconds kDepthEvery{5};

 private:
  std::optional<std::int64_t> dead_letter_depth();

  const Settings& settings_;
  std::atomic<std::uint64_t> delivered_{0}, duplicates_{0}, dead_lettered_{0};
  std::atomic<bool> consuming_{false};
  std::mutex depth_mutex_;
  std::optional<std::int64_t> depth_;
  std::chrono::steady_clock::time_point depth_asked_{};
};

}  // namespace wallet::daemon
