#include "core/rows.hpp"

#include "core/timestamp.hpp"

namespace wallet::rows {
namespace {

std::optional<std::string> opt_time(const pg::Result& res, int row, int col) {
  if (res.is_null(row, col)) return std::nullopt;
  return pg_timestamp_to_rfc3339(res.text(row, col));
}

}  // namespace

Wallet wallet(const pg::Result& res, int row, int c) {
  Wallet w;
  w.id = res.str(row, c);
  w.user_id = res.str(row, c + 1);
  w.currency = res.str(row, c + 2);
  w.balance = res.int64(row, c + 3);
  w.held = res.int64(row, c + 4);
  w.version = res.int64(row, c + 5);
  w.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 6));
  w.updated_at = pg_timestamp_to_rfc3339(res.text(row, c + 7));
  return w;
}

WalletSnapshot wallet_snapshot(const pg::Result& res, int row) {
  WalletSnapshot s{wallet(res, row), std::nullopt};
  if (!res.is_null(row, 8)) s.release_in_ms = res.int64(row, 8);
  return s;
}

Transaction transaction(const pg::Result& res, int row, int c) {
  Transaction t;
  t.id = res.str(row, c);
  t.kind = res.str(row, c + 1);
  t.status = res.str(row, c + 2);
  t.amount = res.int64(row, c + 3);
  t.currency = res.str(row, c + 4);
  t.source_wallet_id = res.str(row, c + 5);
  t.destination_wallet_id = res.str(row, c + 6);
  t.idempotency_key = res.opt(row, c + 7);
  t.reference = res.opt(row, c + 8);
  t.release_at = opt_time(res, row, c + 9);
  t.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 10));
  return t;
}

Withdrawal withdrawal(const pg::Result& res, int row, int c) {
  Withdrawal w;
  w.id = res.str(row, c);
  w.wallet_id = res.str(row, c + 1);
  w.amount = res.int64(row, c + 2);
  w.currency = res.str(row, c + 3);
  w.status = res.str(row, c + 4);
  w.attempts = res.int64(row, c + 5);
  w.failure_reason = res.opt(row, c + 6);
  w.transaction_id = res.str(row, c + 7);
  w.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 8));
  w.updated_at = pg_timestamp_to_rfc3339(res.text(row, c + 9));
  w.possibly_paid = res.boolean(row, c + 10);
  w.claims = res.int64(row, c + 11);
  w.resolution = res.opt(row, c + 12);
  w.resolved_at = opt_time(res, row, c + 13);
  return w;
}

}  // namespace wallet::rows
