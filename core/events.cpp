#include "core/events.hpp"

#include "core/ids.hpp"

namespace wallet {

OutboxEvent make_event(std::string type, std::optional<std::string> transaction_id, const std::string& occurred_at,
                       nlohmann::json data) {
  OutboxEvent e;
  e.event_id = new_uuid();
  e.type = std::move(type);
  e.transaction_id = std::move(transaction_id);
  e.payload =
      nlohmann::json{{"id", e.event_id}, {"type", e.type}, {"occurred_at", occurred_at}, {"data", std::move(data)}}
          .dump();
  return e;
}

}  // namespace wallet
