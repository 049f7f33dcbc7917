// The column lists that SELECT the model objects and the decoders that read them back, kept
// together so a query and its decoder cannot drift apart.
#pragma once

#include <map>
#include <string>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet::rows {

/// Columns of a wallet `w` read FROM kWalletsWithHolds (15 columns; the ninth is how many ms
/// until its next hold releases, NULL when it has none).
inline constexpr const char* kWalletColumns =
    "w.id, w.user_id, w.currency, w.balance, COALESCE(h.held, 0), w.version, w.created_at, w.updated_at, "
    "h.release_in_ms, w.pending_out, w.pending_in, w.metadata, w.frozen_at, w.frozen_reason, w.overdraft_limit";
/// Wallets `w`, each with `h`: the sum of its unreleased holds and when the first releases.
inline constexpr const char* kWalletsWithHolds =
    "wallets w LEFT JOIN LATERAL (SELECT sum(x.amount) AS held, "
    "floor(EXTRACT(EPOCH FROM min(x.release_at) - now()) * 1000)::bigint AS release_in_ms "
    "FROM holds x WHERE x.wallet_id = w.id AND x.release_at > now()) h ON true";

/// A wallet `w`'s available amount, the rule of spendable() (money.hpp) in SQL: its balance less
/// its unreleased holds and the pending transfers it sends. For statements that decide on it
/// inside the database (an overdraft limit against the debt, the audit).
inline const std::string kAvailableOfWallet =
    "(w.balance - w.pending_out - COALESCE((SELECT sum(h.amount) FROM holds h WHERE h.wallet_id = w.id "
    "AND h.release_at > now()), 0))";

/// Columns of a transaction `t` (16 columns). The fifteenth is the sum of its reversals, one
/// probe of the small index of reversals.
inline constexpr const char* kTransactionColumns =
    "t.id, t.kind, t.status, t.amount, t.currency, t.source_wallet_id, t.destination_wallet_id, "
    "t.idempotency_key, t.reference, t.release_at, t.created_at, t.reverses, t.reason, t.pending_transfer_id, "
    "(SELECT COALESCE(sum(r.amount), 0) FROM transactions r WHERE r.reverses = t.id), t.metadata";

/// The transactions whose ids are in $1 (a uuid[]), in kTransactionColumns.
inline const std::string kTransactionsByIds =
    std::string("SELECT ") + kTransactionColumns + " FROM transactions t WHERE t.id = ANY($1::uuid[])";

/// Columns of a pending transfer `p`: kPendingTransferColumnCount of them, so a query may
/// select more after them.
inline constexpr int kPendingTransferColumnCount = 17;
inline constexpr const char* kPendingTransferColumns =
    "p.id, p.source_wallet_id, p.destination_wallet_id, p.currency, p.amount, p.state, p.captured_amount, "
    "p.released_amount, p.capture_transaction_id, p.idempotency_key, p.reference, p.expires_at, p.created_at, "
    "p.updated_at, p.closed_at, p.metadata, p.close_metadata";

/// Columns of a withdrawal `d` (15 columns; the last is its transaction's metadata).
inline constexpr const char* kWithdrawalColumns =
    "d.id, d.wallet_id, d.amount, d.currency, d.status, d.attempts, d.failure_reason, "
    "d.transaction_id, d.created_at, d.updated_at, d.possibly_paid, d.claims, d.resolution, d.resolved_at, "
    "(SELECT m.metadata FROM transactions m WHERE m.id = d.transaction_id)";

Wallet wallet(const pg::Result& res, int row, int first_col = 0);
WalletSnapshot wallet_snapshot(const pg::Result& res, int row);
Transaction transaction(const pg::Result& res, int row, int first_col = 0);
Withdrawal withdrawal(const pg::Result& res, int row, int first_col = 0);
PendingTransfer pending_transfer(const pg::Result& res, int row, int first_col = 0);

}  // namespace wallet::rows
