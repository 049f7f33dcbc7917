#include "core/balance_at.hpp"

#include "core/errors.hpp"

namespace wallet {
namespace {

// The last entry by then is found walking the wallet's entries back from the newest (its
// primary key), so a recent instant reads a few rows and a distant one more. Pending transfers
// carry no index by wallet (each would cost every open and close an entry): a point-in-time
// read scans them, as audit does.
constexpr const char* kBalanceAt =
    "SELECT w.user_id, w.currency, $2::timestamptz > now(), "
    "COALESCE((SELECT e.balance_after FROM ledger_entries e WHERE e.wallet_id = w.id AND e.created_at <= $2 "
    "ORDER BY e.id DESC LIMIT 1), 0), "
    "COALESCE((SELECT sum(h.amount) FROM holds h JOIN transactions t ON t.id = h.transaction_id "
    "WHERE h.wallet_id = w.id AND t.created_at <= $2 AND h.release_at > $2), 0), "
    "COALESCE((SELECT sum(p.amount) FROM pending_transfers p WHERE p.source_wallet_id = w.id "
    "AND p.created_at <= $2 AND (p.closed_at IS NULL OR p.closed_at > $2)), 0), "
    "COALESCE((SELECT sum(p.amount) FROM pending_transfers p WHERE p.destination_wallet_id = w.id "
    "AND p.created_at <= $2 AND (p.closed_at IS NULL OR p.closed_at > $2)), 0) "
    "FROM wallets w WHERE w.id = $1 AND w.kind = 'user'";

}  // namespace

BalanceAt balance_at(pg::Connection& conn, const std::string& wallet_id, Timestamp at) {
  const auto text = format_rfc3339(at);
  const auto res = conn.exec(kBalanceAt, {wallet_id, text});
  if (res.rows() == 0) throw DomainError(ErrorCode::kWalletNotFound, "no wallet " + wallet_id);
  if (res.boolean(0, 2)) throw DomainError(ErrorCode::kAtInFuture, "at " + text + " is in the future");
  BalanceAt out;
  out.wallet_id = wallet_id;
  out.user_id = res.str(0, 0);
  out.currency = res.str(0, 1);
  out.at = text;
  out.balance = Money(res.int64(0, 3));
  out.held = Money(res.int64(0, 4));
  out.pending_out = Money(res.int64(0, 5));
  out.pending_in = Money(res.int64(0, 6));
  return out;
}

}  // namespace wallet
