// `walletctl notify`'s work on what the broker delivered: each message checked against those
// already delivered, rendered for its wallet's owner, sent to the webhook, remembered and
// acknowledged. Messages are handled in batches (up to [notify] prefetch): one query checks a
// batch, one remembers it, and the webhook is called by up to [notify] concurrency lanes at
// once over kept-alive connections. A user's notifications all go through one lane, in the
// order they arrived, and a batch ends before the next begins, so each owner is told in order.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "core/amqp_client.hpp"
#include "core/config.hpp"
#include "core/notifications.hpp"
#include "core/pg/connection.hpp"
#include "daemon/events/notify_metrics.hpp"
#include "daemon/lifecycle.hpp"

namespace wallet::daemon {

class Notifier {
 public:
  Notifier(const Settings& settings, const StopFlag& stop, NotifyMetrics& metrics);
  /// Declares the queue, its dead-letter queue and bindings, and starts consuming.
  void setup(AmqpConnection& mq);
  /// Handles a batch; every message is acknowledged or dead-lettered, except when the webhook
  /// stays unreachable until a stop (DomainError kUnavailable): those not yet told are left
  /// unacknowledged, and the broker delivers them again.
  void handle(AmqpConnection& mq, const std::vector<AmqpDelivery>& batch);

 private:
  struct Message;
  enum class Outcome { kTold, kRefused, kUntold };
  void deliver_all(std::vector<Message>& messages);
  Outcome deliver(httplib::Client* webhook, const Message& m);

  const Settings& settings_;
  const StopFlag& stop_;
  NotifyMetrics& metrics_;
  pg::Connection db_;
  NotificationRecord record_;
  std::string webhook_path_;
  std::vector<std::unique_ptr<httplib::Client>> lanes_;  // one kept-alive webhook client per lane
};

}  // namespace wallet::daemon
