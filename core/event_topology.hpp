// What RabbitMQ must hold before events flow: the topic exchange they are published to and the
// durable queue bound to every one of them (rabbitmq.exchange, rabbitmq.events_queue). Whoever
// connects declares it (publisher, notify, tail): declaring is idempotent, and an event
// published before any queue was bound would otherwise come back unroutable.
#pragma once

#include "core/amqp_client.hpp"
#include "core/config.hpp"

namespace wallet {

void declare_event_topology(AmqpConnection& mq, const Settings::Rabbitmq& config);

}  // namespace wallet
