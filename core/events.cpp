#include "core/events.hpp"

#include "core/ids.hpp"
#include "core/json_writer.hpp"

namespace wallet {

OutboxEvent make_event(std::string type, std::optional<std::string> transaction_id, const std::string& occurred_at,
                       std::string_view data) {
  OutboxEvent e;
  e.event_id = new_uuid();
  e.type = std::move(type);
  e.transaction_id = std::move(transaction_id);
  JsonWriter payload;
  payload.begin_object();
  payload.key("data").raw(data);
  payload.key("id").string(e.event_id);
  payload.key("occurred_at").string(occurred_at);
  payload.key("type").string(e.type);
  e.payload = payload.end_object().take();
  return e;
}

}  // namespace wallet
