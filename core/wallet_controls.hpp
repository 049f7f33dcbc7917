// What an operator does to a wallet itself rather than its money: freezing and unfreezing it,
// and setting how far it may be overdrawn.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "core/model.hpp"
#include "core/money.hpp"
#include "core/operations.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

enum class WalletControlKind { kFreeze, kUnfreeze, kSetLimit };

/// One operator control, its fields validated (parse_reason, parse_overdraft_limit).
struct WalletControl {
  WalletControlKind kind = WalletControlKind::kFreeze;
  /// By id, or (replay) by user and currency (the default currency when absent).
  WalletRef wallet;
  std::optional<std::string> currency;
  std::string reason;  // freeze, unfreeze
  Money limit;         // set-limit
  /// A digest of what makes two controls "the same request" for an idempotency key; never
  /// equal to an Operation's.
  std::string request_hash() const;
};

/// What a control did: the wallet after it, and whether its key was recorded by an earlier
/// request (then nothing changed now).
struct ControlResult {
  Wallet wallet;
  bool replayed = false;
};

/// An idempotency key as (scope, key): see Operation::key_scope.
using ControlKey = std::pair<std::string, std::string>;

/// Applies the control in one transaction, with its event (wallet.frozen, wallet.unfrozen,
/// wallet.overdraft_limit_changed). The row lock it takes is the one every posting takes
/// before it reads the state, so a debit either committed before the change or sees it.
/// With a key: the key is recorded in the same transaction; a key recorded earlier for the same
/// control replays it (nothing changes), for anything else is DomainError(kIdempotencyConflict);
/// a refused control does not consume its key. Refusals: kWalletNotFound; freeze of a frozen
/// wallet kWalletFrozen; unfreeze of one that is not kWalletNotFrozen; a limit below what the
/// wallet already owes (its available amount below zero) kLimitBelowDebt. validate_only: the
/// same answers, rolled back (a dry run).
ControlResult apply_wallet_control(pg::Connection& conn, int max_retries, const std::string& default_currency,
                                   const WalletControl& control, const std::optional<ControlKey>& key = {},
                                   bool validate_only = false);

/// The three controls by wallet id, without a key (the HTTP routes and CLI commands).
Wallet freeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason);
Wallet unfreeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason);
Wallet set_overdraft_limit(pg::Connection& conn, int max_retries, const std::string& wallet_id, Money limit);

/// An overdraft limit as requested: 0 (none) to max_amount minor units. Throws
/// DomainError(kInvalidAmount).
Money parse_overdraft_limit(std::int64_t value, std::int64_t max_amount);
/// The same from text (CLI argument, CSV field): a whole number of minor units.
Money parse_overdraft_limit(std::string_view text, std::int64_t max_amount);

}  // namespace wallet
