// The transactional outbox as the publisher sees it: unpublished rows in id order, marking rows
// published, pruning old published rows, and its status.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

struct OutboxRow {
  std::int64_t id = 0;
  std::string event_id, event_type, payload;
  std::int64_t created_at_epoch = 0;  // seconds
};

struct OutboxStatus {
  std::int64_t unpublished = 0;
  std::int64_t returned = 0;  // of those, sent and returned by RabbitMQ: no queue took them
  double oldest_unpublished_seconds = 0;
  std::optional<std::string> last_published_at;  // RFC 3339
};

/// Inside an open transaction: writes outbox rows.
pg::Statement insert_outbox(const std::vector<OutboxEvent>& events);
/// The next unpublished rows, oldest first: never sent, or returned and due again.
std::vector<OutboxRow> unpublished_events(pg::Connection& conn, int limit);
void mark_published(pg::Connection& conn, const std::vector<std::int64_t>& ids);
/// Rows RabbitMQ returned (no queue took them): kept, and tried again after a backoff.
void mark_returned(pg::Connection& conn, const std::vector<std::int64_t>& ids);
/// Deletes rows published longer than `retention` ago and moves the pruning horizon; returns
/// how many were deleted.
std::int64_t prune_published(pg::Connection& conn, std::chrono::seconds retention);
OutboxStatus outbox_status(pg::Connection& conn);

}  // namespace wallet
