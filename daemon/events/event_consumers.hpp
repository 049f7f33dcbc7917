// The consumers of `wallet.events`: `walletctl events tail` for operators, and `walletctl
// notify`, the notification service the old system had.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace wallet::daemon {

struct TailOptions {
  std::vector<std::string> bindings = {"#"};  // routing-key patterns
  bool json = false;                          // the event bodies as JSON lines
  std::optional<int> max_events;              // stop after this many
};

/// Prints events as they arrive, on an exclusive auto-delete queue, until SIGTERM/SIGINT or
/// `max_events`. Prints "walletctl: tailing wallet.events" on stderr once the queue is bound.
int tail_events(const Settings& settings, const TailOptions& options, std::ostream& out);

/// Consumes notify.queue (`wallet.notifications`) until SIGTERM/SIGINT: one notification per
/// completed or failed event for the wallet's owner (stdout, or POSTed to [notify] webhook_url),
/// at most once per message id; undecodable messages are dead-lettered to `<queue>.dlq`.
int run_notifier(const Settings& settings);

/// The names `notify` declares, for operators and tests: notify.queue, and beside it the queue
/// and fanout exchange of its dead letters.
struct NotifyQueues {
  std::string queue, dead_letters, dead_letter_exchange;
};
inline NotifyQueues notify_queues(const Settings& settings) {
  const auto& q = settings.notify.queue;
  return {q, q + ".dlq", q + ".dlx"};
}

}  // namespace wallet::daemon
