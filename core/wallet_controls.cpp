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
    const auto stmt = insert_outbox(
        {make_event(freeze ? "wallet.frozen" : "wallet.unfrozen", std::nullopt, w.updated_at, std::move(data))});
    conn.exec(stmt.sql, stmt.params);
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

}  // namespace wallet
