#include "daemon/events/notify_metrics.hpp"

#include <sstream>

#include "core/amqp_client.hpp"
#include "core/errors.hpp"
#include "daemon/events/event_consumers.hpp"
#include "daemon/process_metrics.hpp"

namespace wallet::daemon {

std::optional<std::int64_t> NotifyMetrics::dead_letter_depth() {
  std::lock_guard lock(depth_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (depth_asked_ != std::chrono::steady_clock::time_point{} && now - depth_asked_ < kDepthEvery) return depth_;
  depth_asked_ = now;
  try {
    auto mq = AmqpConnection::open(settings_.rabbitmq.url, std::chrono::milliseconds(1000));
    depth_ = mq.queue_depth(notify_queues(settings_).dead_letters);
  } catch (const DomainError&) {
    depth_.reset();  // broker away, or notify has not declared the queue yet
  }
  return depth_;
}

std::string NotifyMetrics::render() {
  std::ostringstream out;
  metric_header(out, "walletctl_notifications_total", "counter", "Messages notify handled, by outcome.");
  out << "walletctl_notifications_total{outcome=\"delivered\"} " << delivered_.load() << '\n';
  out << "walletctl_notifications_total{outcome=\"duplicate\"} " << duplicates_.load() << '\n';
  out << "walletctl_notifications_total{outcome=\"dead_lettered\"} " << dead_lettered_.load() << '\n';
  metric_header(out, "walletctl_notify_consuming", "gauge", "1 while notify consumes its queue, 0 while it reconnects.");
  out << "walletctl_notify_consuming " << (consuming_ ? 1 : 0) << '\n';
  if (const auto depth = dead_letter_depth()) {
    metric_header(out, "walletctl_notifications_dead_letter_depth", "gauge",
                  "Messages waiting in notify's dead-letter queue (wallet.notifications.dlq) for an operator.");
    out << "walletctl_notifications_dead_letter_depth " << *depth << '\n';
  }
  render_process_metrics(out);
  return out.str();
}

}  // namespace wallet::daemon
