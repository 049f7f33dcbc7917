#include "core/rows.hpp"

#include <stdexcept>

#include "core/timestamp.hpp"

namespace wallet::rows {
namespace {

std::optional<std::string> opt_time(const pg::Result& res, int row, int col) {
  if (res.is_null(row, col)) return std::nullopt;
  return pg_timestamp_to_rfc3339(res.text(row, col));
}

Money money(const pg::Result& res, int row, int col) { return Money(res.int64(row, col)); }

// A kind or status as the database holds it; a name walletctl does not know is corrupt data.
template <class Enum>
Enum known(const pg::Result& res, int row, int col) {
  const auto text = res.text(row, col);
  const auto value = enum_named<Enum>(text);
  if (!value) throw std::runtime_error("unknown value '" + std::string(text) + "' in the database");
  return *value;
}

}  // namespace

Wallet wallet(const pg::Result& res, int row, int c) {
  Wallet w;
  w.id = res.str(row, c);
  w.user_id = res.str(row, c + 1);
  w.currency = res.str(row, c + 2);
  w.balance = money(res, row, c + 3);
  w.held = money(res, row, c + 4);
  w.version = res.int64(row, c + 5);
  w.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 6));
  w.updated_at = pg_timestamp_to_rfc3339(res.text(row, c + 7));
  w.pending_out = money(res, row, c + 9);
  w.pending_in = money(res, row, c + 10);
  w.metadata = metadata_from_column(res.opt(row, c + 11));
  w.frozen_at = opt_time(res, row, c + 12);
  w.frozen_reason = res.opt(row, c + 13);
  w.overdraft_limit = money(res, row, c + 14);
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
  t.kind = known<TransactionKind>(res, row, c + 1);
  t.status = known<TransactionStatus>(res, row, c + 2);
  t.amount = money(res, row, c + 3);
  t.currency = res.str(row, c + 4);
  t.source_wallet_id = res.str(row, c + 5);
  t.destination_wallet_id = res.str(row, c + 6);
  t.idempotency_key = res.opt(row, c + 7);
  t.reference = res.opt(row, c + 8);
  t.release_at = opt_time(res, row, c + 9);
  t.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 10));
  t.reverses = res.opt(row, c + 11);
  t.reason = res.opt(row, c + 12);
  t.pending_transfer_id = res.opt(row, c + 13);
  t.reversed_amount = money(res, row, c + 14);
  t.metadata = metadata_from_column(res.opt(row, c + 15));
  return t;
}

PendingTransfer pending_transfer(const pg::Result& res, int row, int c) {
  PendingTransfer t;
  t.id = res.str(row, c);
  t.source_wallet_id = res.str(row, c + 1);
  t.destination_wallet_id = res.str(row, c + 2);
  t.currency = res.str(row, c + 3);
  t.amount = money(res, row, c + 4);
  t.state = known<TransferState>(res, row, c + 5);
  t.captured_amount = money(res, row, c + 6);
  t.released_amount = money(res, row, c + 7);
  t.capture_transaction_id = res.opt(row, c + 8);
  t.idempotency_key = res.opt(row, c + 9);
  t.reference = res.opt(row, c + 10);
  t.expires_at = pg_timestamp_to_rfc3339(res.text(row, c + 11));
  t.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 12));
  t.updated_at = pg_timestamp_to_rfc3339(res.text(row, c + 13));
  t.closed_at = opt_time(res, row, c + 14);
  t.metadata = metadata_from_column(res.opt(row, c + 15));
  t.close_metadata = metadata_from_column(res.opt(row, c + 16));
  return t;
}

Withdrawal withdrawal(const pg::Result& res, int row, int c) {
  Withdrawal w;
  w.id = res.str(row, c);
  w.wallet_id = res.str(row, c + 1);
  w.amount = money(res, row, c + 2);
  w.currency = res.str(row, c + 3);
  w.status = known<WithdrawalStatus>(res, row, c + 4);
  w.attempts = res.int64(row, c + 5);
  w.failure_reason = res.opt(row, c + 6);
  w.transaction_id = res.str(row, c + 7);
  w.created_at = pg_timestamp_to_rfc3339(res.text(row, c + 8));
  w.updated_at = pg_timestamp_to_rfc3339(res.text(row, c + 9));
  w.possibly_paid = res.boolean(row, c + 10);
  w.claims = res.int64(row, c + 11);
  if (!res.is_null(row, c + 12)) w.resolution = known<WithdrawalResolution>(res, row, c + 12);
  w.resolved_at = opt_time(res, row, c + 13);
  w.metadata = metadata_from_column(res.opt(row, c + 14));
  return w;
}

}  // namespace wallet::rows
