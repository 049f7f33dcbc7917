#include "core/event_topology.hpp"

namespace wallet {

void declare_event_topology(AmqpConnection& mq, const Settings::Rabbitmq& config) {
  mq.declare_exchange(config.exchange, "topic", true);
  if (config.events_queue.empty()) return;
  mq.declare_queue(config.events_queue, {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true});
  mq.bind_queue(config.events_queue, config.exchange, "#");
}

}  // namespace wallet
