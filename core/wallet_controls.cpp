#include "core/wallet_controls.hpp"

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/events.hpp"
#include "core/idempotency.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/outbox.hpp"
#include "core/pg/transaction.hpp"
#include "core/rows.hpp"
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
const char* set_limit_sql() {
  static const std::string sql = "UPDATE wallets w SET overdraft_limit = $2, version = version + 1, updated_at = now() "
                                 "WHERE w.id = $1 AND w.kind = 'user' AND " +
                                 rows::kAvailableOfWallet + " >= -$2::bigint RETURNING id";
  return sql.c_str();
}

// A key row pointing at nothing: what a control made is a state of the wallet, not a row. A
// claim that meets a key in flight waits for its transaction, as the write path's claims do.
constexpr const char* kClaimKey =
    "INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key";
constexpr const char* kRecordedHash = "SELECT request_hash FROM idempotency_keys WHERE scope = $1 AND key = $2";

const char* control_name(WalletControlKind kind) {
  switch (kind) {
    case WalletControlKind::kFreeze:
      return "freeze";
    case WalletControlKind::kUnfreeze:
      return "unfreeze";
    case WalletControlKind::kSetLimit:
      return "set_limit";
  }
  return "unknown";
}

// Whether the key was recorded before, for this very control (throws when for another).
bool recorded_before(pg::Connection& conn, const ControlKey& key, const std::string& hash) {
  if (conn.exec(kClaimKey, {key.first, key.second, hash}).rows() == 1) return false;
  const auto recorded = conn.exec(kRecordedHash, {key.first, key.second});
  if (recorded.rows() == 1 && recorded.text(0, 0) == hash) return true;
  throw idempotency_conflict(key.second);
}

std::string resolve_wallet_id(pg::Connection& conn, const WalletControl& c, const std::string& default_currency) {
  if (c.wallet.wallet_id) return *c.wallet.wallet_id;
  return WalletStore(conn, 1).get_by_user(c.wallet.user_id.value_or(""), c.currency.value_or(default_currency)).id;
}

DomainError refusal(const WalletControl& c, const Wallet& w) {
  switch (c.kind) {
    case WalletControlKind::kFreeze:
      return DomainError(ErrorCode::kWalletFrozen, "wallet " + w.id + " is frozen already, since " +
                                                       w.frozen_at.value_or(""));
    case WalletControlKind::kUnfreeze:
      return DomainError(ErrorCode::kWalletNotFrozen, "wallet " + w.id + " is not frozen");
    case WalletControlKind::kSetLimit:
      break;
  }
  return DomainError(ErrorCode::kLimitBelowDebt, "wallet " + w.id + " owes " +
                                                     std::to_string(-w.available().minor()) +
                                                     "; an overdraft limit below that is refused");
}

// The change itself; whether it applied (the WHERE clause holds the rule).
bool change(pg::Connection& conn, const WalletControl& c, const std::string& id) {
  switch (c.kind) {
    case WalletControlKind::kFreeze:
      return conn.exec(kFreeze, {id, c.reason}).rows() == 1;
    case WalletControlKind::kUnfreeze:
      return conn.exec(kUnfreeze, {id}).rows() == 1;
    case WalletControlKind::kSetLimit:
      break;
  }
  return conn.exec(set_limit_sql(), {id, std::to_string(c.limit.minor())}).rows() == 1;
}

void write_event(pg::Connection& conn, const WalletControl& c, const Wallet& w) {
  auto data = to_json(w);
  const char* type = "wallet.overdraft_limit_changed";
  if (c.kind != WalletControlKind::kSetLimit) {
    data["reason"] = c.reason;
    type = c.kind == WalletControlKind::kFreeze ? "wallet.frozen" : "wallet.unfrozen";
  }
  const auto stmt = insert_outbox({make_event(type, std::nullopt, w.updated_at, data.dump())});
  conn.exec(stmt.sql, stmt.params);
}

}  // namespace

std::string WalletControl::request_hash() const {
  // Separated by a byte no validated field contains; the "control" prefix keeps these apart
  // from every Operation's canonical form.
  std::string canonical = std::string("control\x1f") + control_name(kind);
  for (const auto& field : {wallet.wallet_id.value_or("-"), wallet.user_id.value_or("-"), currency.value_or("-"),
                            reason, std::to_string(limit.minor())}) {
    canonical += '\x1f';
    canonical += field;
  }
  return sha256_hex(canonical);
}

ControlResult apply_wallet_control(pg::Connection& conn, int max_retries, const std::string& default_currency,
                                   const WalletControl& control, const std::optional<ControlKey>& key,
                                   bool validate_only) {
  // A dry run does all of it and leaves by this exception, which rolls the transaction back:
  // its answers come from the very statements a real run makes.
  struct RolledBack {
    ControlResult result;
  };
  try {
    return pg::in_transaction(conn, max_retries, [&] {
      const std::string id = resolve_wallet_id(conn, control, default_currency);
      const bool replayed = key && recorded_before(conn, *key, control.request_hash());
      const bool changed = !replayed && change(conn, control, id);
      ControlResult result{WalletStore(conn, 1).get(id), replayed};  // not found: a 404
      if (!replayed) {
        if (!changed) throw refusal(control, result.wallet);
        write_event(conn, control, result.wallet);
      }
      if (validate_only) throw RolledBack{result};
      return result;
    });
  } catch (const RolledBack& dry) {
    return dry.result;
  }
}

namespace {
Wallet control_by_id(pg::Connection& conn, int max_retries, WalletControl c, const std::string& wallet_id) {
  c.wallet.wallet_id = wallet_id;
  return apply_wallet_control(conn, max_retries, "", c).wallet;
}
}  // namespace

Wallet freeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason) {
  return control_by_id(conn, max_retries,
                       {WalletControlKind::kFreeze, {}, {}, parse_reason(reason, ErrorCode::kInvalidReason), {}},
                       wallet_id);
}

Wallet unfreeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason) {
  return control_by_id(conn, max_retries,
                       {WalletControlKind::kUnfreeze, {}, {}, parse_reason(reason, ErrorCode::kInvalidReason), {}},
                       wallet_id);
}

Wallet set_overdraft_limit(pg::Connection& conn, int max_retries, const std::string& wallet_id, Money limit) {
  return control_by_id(conn, max_retries, {WalletControlKind::kSetLimit, {}, {}, "", limit}, wallet_id);
}

Money parse_overdraft_limit(std::int64_t value, std::int64_t max_amount) {
  if (value < 0 || value > max_amount) {
    throw DomainError(ErrorCode::kInvalidAmount,
                      "overdraft_limit must be 0 to " + std::to_string(max_amount) + " minor units");
  }
  return Money(value);
}

Money parse_overdraft_limit(std::string_view text, std::int64_t max_amount) {
  if (text == "0") return Money(0);
  try {
    return parse_amount(text, max_amount);
  } catch (const DomainError&) {
    throw DomainError(ErrorCode::kInvalidAmount, "overdraft limit must be a whole number of minor units from 0 to " +
                                                     std::to_string(max_amount) + ", got '" +
                                                     std::string(text.substr(0, 40)) + "'");
  }
}

}  // namespace wallet
