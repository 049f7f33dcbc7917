// What an operator does to a wallet itself rather than its money: freezing and unfreezing it,
// and setting how far it may be overdrawn.
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// Freezes a user wallet: from the commit on, every debit (transfer out, pending transfer,
/// capture, withdrawal, reversal taking from it) is refused with wallet_frozen; credits still
/// arrive. Writes a wallet.frozen event. Throws DomainError(kWalletNotFound) or, when it is
/// frozen already, DomainError(kWalletFrozen). `reason` is validated (parse_reason).
Wallet freeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason);

/// Lifts a freeze; writes a wallet.unfrozen event with the reason. Throws
/// DomainError(kWalletNotFound) or DomainError(kWalletNotFrozen).
Wallet unfreeze_wallet(pg::Connection& conn, int max_retries, const std::string& wallet_id, const std::string& reason);

/// An overdraft limit as requested: 0 (none) to max_amount minor units. Throws
/// DomainError(kInvalidAmount).
Money parse_overdraft_limit(std::int64_t value, std::int64_t max_amount);

/// Sets how far below zero transfers may take the wallet's available amount. A limit below
/// what the wallet already owes (its available amount below zero: balance less holds and
/// pending transfers out) is refused with DomainError(kLimitBelowDebt). Writes a
/// wallet.overdraft_limit_changed event. Throws DomainError(kWalletNotFound).
Wallet set_overdraft_limit(pg::Connection& conn, int max_retries, const std::string& wallet_id, Money limit);

}  // namespace wallet
