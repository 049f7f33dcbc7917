#include "core/wallet_controls.hpp"

#include "core/errors.hpp"
#include "core/events.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/outbox.hpp"
#include "core/pg/transaction.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

// The row lock this takes is the one every posting takes before it reads the state, so a
// debit either committed before the freeze or sees it. The version bump tells the balance
// cache (the trigger of migration 0007) that its copy is old.
constexpr const char* kFreeze =
    "UPDATE wallets SET frozen_at = now(), frozen_reason = $2, version = version + 1, updated_at = now() "
    "WHERE id = $1 AND kind = 'user' AND frozen_at IS NULL RETURNING id";
constexpr const char* kUnfreeze =
    "UPDATE wallets SET frozen_at = NULL, frozen_reason = NULL, version = version + 1, updated_at = now() "
    "WHERE id = $1 AND kind = 'user' AND frozen_at IS NOT NULL RETURNING id";

// Under the row lock every posting takes: no debit slips between the check and the change.
constexpr const char* kSetLimit =
    "UPDATE wallets w SET overdraft_limit = $2, version = version + 1, updated_at = now() "
    "WHERE w.id = $1 AND w.kind = 'user' AND w.balance - w.pending_out - COALESCE((SELECT sum(h.amount) "
    "FROM holds h WHERE h.wallet_id = w.id AND h.release_at > now()), 0) >= -$2::bigint RETURNING id";

void write_event(pg::Connection& conn, const std::string& type, nlohmann::json data, const std::string& at) {
  const auto stmt = insert_outbox({make_event(type, std::nullopt, at, std::move(data))});
  conn.exec(stmt.sql, stmt.params);
}

Wallet change(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason,
              bool freeze) {
  parse_reason(reason, ErrorCode::kInvalidReason);
  return pg::in_transaction(conn, max_retries, [&] {
    const auto res = freeze ? conn.exec(kFreeze, {wallet_id, reason}) : conn.exec(kUnfreeze, {wallet_id});
    const bool changed = res.rows() == 1;
    const Wallet w = WalletStore(conn, 1).get(wallet_id);  // not found: a 404
    if (!changed) {
      throw freeze ? DomainError(ErrorCode::kWalletFrozen,
                                 "wallet " + wallet_id + " is frozen already, since " + w.frozen_at.value_or(""))
                   : DomainError(ErrorCode::kWalletNotFrozen, "wallet " + wallet_id + " is not frozen");
    }
    auto data = to_json(w);
    data["reason"] = reason;
    write_event(conn, freeze ? "wallet.frozen" : "wallet.unfrozen", std::move(data), w.updated_at);
    return w;
  });
}

}  // namespace

Wallet freeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason) {
  return change(conn, max_retries, wallet_id, reason, true);
}

Wallet unfreeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason) {
  return change(conn, max_retries, wallet_id, reason, false);
}

Money parse_overdraft_limit(std::int64_t value, std::int64_t max_amount) {
  if (value < 0 || value > max_amount) {
    throw DomainError(ErrorCode::kInvalidAmount,
                      "overdraft_limit must be 0 to " + std::to_string(max_amount) + " minor units");
  }
  return Money(value);
}

Wallet set_overdraft_limit(pg::Connection& conn, int max_retries, const std::string& wallet_id, Money limit) {
  return pg::in_transaction(conn, max_retries, [&] {
    const bool changed = conn.exec(kSetLimit, {wallet_id, std::to_string(limit.minor())}).rows() == 1;
    const Wallet w = WalletStore(conn, 1).get(wallet_id);  // not found: a 404
    if (!changed) {
      throw DomainError(ErrorCode::kLimitBelowDebt,
                        "wallet " + wallet_id + " owes " + std::to_string(-w.available().minor()) +
                            "; an overdraft limit below that is refused");
    }
    write_event(conn, "wallet.overdraft_limit_changed", to_json(w), w.updated_at);
    return w;
  });
}

}  // namespace wallet
