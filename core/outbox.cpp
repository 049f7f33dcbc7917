#include "core/outbox.hpp"

#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/signals.hpp"
#include "core/timestamp.hpp"

namespace wallet {
namespace {

// The relay is woken at the commit, once per statement that wrote rows.
const std::string kInsertOutbox =
    std::string(
        "WITH inserted AS (INSERT INTO outbox (event_id, event_type, transaction_id, payload) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::json[]) RETURNING 1) "
        "SELECT pg_notify('") +
    signals::kOutboxChannel + "', '') WHERE EXISTS (SELECT 1 FROM inserted)";
// Rows never sent, and returned rows whose next attempt is due, each through its own index.
constexpr const char* kUnpublished =
    "SELECT id, event_id, event_type, payload, EXTRACT(EPOCH FROM created_at)::bigint FROM ("
    "(SELECT * FROM outbox WHERE published_at IS NULL AND next_attempt_at IS NULL ORDER BY id LIMIT $1) "
    "UNION ALL (SELECT * FROM outbox WHERE published_at IS NULL AND next_attempt_at <= now() "
    "ORDER BY next_attempt_at LIMIT $1)) due ORDER BY id LIMIT $1";
// 1 s after the first return, doubling up to 5 minutes.
constexpr const char* kMarkReturned =
    "UPDATE outbox SET returned_count = returned_count + 1, "
    "next_attempt_at = now() + LEAST(power(2, returned_count), 300) * interval '1 second' "
    "WHERE id = ANY($1::bigint[])";
constexpr const char* kMarkPublished = "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])";
// The horizon moves first, in the same transaction: the audit never sees a pruned event of a
// transaction newer than the horizon.
constexpr const char* kMoveHorizon =
    "INSERT INTO outbox_pruning (horizon) VALUES (now() - $1 * interval '1 second') "
    "ON CONFLICT (singleton) DO UPDATE SET horizon = GREATEST(outbox_pruning.horizon, EXCLUDED.horizon)";
constexpr const char* kPrune =
    "WITH gone AS (DELETE FROM outbox WHERE published_at < now() - $1 * interval '1 second' RETURNING 1) "
    "SELECT count(*) FROM gone";
constexpr const char* kPruneSeen = "DELETE FROM notifications_seen WHERE seen_at < now() - $1 * interval '1 second'";
constexpr const char* kStatus =
    "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL), "
    "(SELECT count(*) FROM outbox WHERE published_at IS NULL AND next_attempt_at IS NOT NULL), "
    "COALESCE((SELECT EXTRACT(EPOCH FROM now() - min(created_at)) FROM outbox WHERE published_at IS NULL), 0)::float8, "
    "(SELECT max(published_at) FROM outbox WHERE published_at IS NOT NULL)";

}  // namespace

pg::Statement insert_outbox(const std::vector<OutboxEvent>& events) {
  std::vector<std::string> ids, types, payloads;
  std::vector<std::optional<std::string>> txs;
  for (const auto& e : events) {
    ids.push_back(e.event_id);
    types.push_back(e.type);
    txs.push_back(e.transaction_id);
    payloads.push_back(e.payload);
  }
  return {kInsertOutbox.c_str(),
          {pg::text_array(ids), pg::text_array(types), pg::text_array(txs), pg::text_array(payloads)}};
}

std::vector<OutboxRow> unpublished_events(pg::Connection& conn, int limit) {
  auto res = conn.exec(kUnpublished, {std::to_string(limit)});
  std::vector<OutboxRow> rows;
  rows.reserve(static_cast<std::size_t>(res.rows()));
  for (int r = 0; r < res.rows(); ++r) {
    rows.push_back({res.int64(r, 0), res.str(r, 1), res.str(r, 2), res.str(r, 3), res.int64(r, 4)});
  }
  return rows;
}

void mark_published(pg::Connection& conn, const std::vector<std::int64_t>& ids) {
  if (!ids.empty()) conn.exec(kMarkPublished, {pg::int_array(ids)});
}

void mark_returned(pg::Connection& conn, const std::vector<std::int64_t>& ids) {
  if (!ids.empty()) conn.exec(kMarkReturned, {pg::int_array(ids)});
}

std::int64_t prune_published(pg::Connection& conn, std::chrono::seconds retention) {
  const std::string seconds = std::to_string(retention.count());
  return pg::in_transaction(conn, 3, [&] {
    conn.exec(kMoveHorizon, {seconds});
    const auto deleted = conn.exec(kPrune, {seconds}).int64(0, 0);
    conn.exec(kPruneSeen, {seconds});
    return deleted;
  });
}

OutboxStatus outbox_status(pg::Connection& conn) {
  auto res = conn.exec(kStatus);
  OutboxStatus s{res.int64(0, 0), res.int64(0, 1), std::stod(res.str(0, 2)), std::nullopt};
  if (!res.is_null(0, 3)) s.last_published_at = pg_timestamp_to_rfc3339(res.text(0, 3));
  return s;
}

}  // namespace wallet
