// Outbox events: the rows each committed change writes for the publisher to relay.
#pragma once

#include <optional>
#include <string>

#include <string_view>

namespace wallet {

/// One outbox row. The payload is the message body: {id, type, occurred_at, data}.
struct OutboxEvent {
  std::string event_id;
  std::string type;  // the routing key: charge.completed, withdrawal.requested, ...
  std::optional<std::string> transaction_id;
  std::string payload;
};

/// `data` is the event's subject as JSON text (json_text of the transaction, transfer, ...).
OutboxEvent make_event(std::string type, std::optional<std::string> transaction_id, const std::string& occurred_at,
                       std::string_view data);

}  // namespace wallet
