// What an operator does to a wallet itself rather than its money: freezing and unfreezing it.
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

}  // namespace wallet
