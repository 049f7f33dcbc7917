// Wallets: creating them (with the per-currency system accounts) and reading them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/events.hpp"
#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

class WalletStore {
 public:
  WalletStore(pg::Connection& conn, int max_retries) : conn_(conn), max_retries_(max_retries) {}

  /// Creates the user's wallet in a currency. Throws DomainError(kWalletExists) when the user
  /// has one in that currency already.
  Wallet create(const std::string& user_id, const std::string& currency, const Metadata& metadata = {});
  /// Throws DomainError(kWalletNotFound); system accounts are not wallets to their callers.
  Wallet get(const std::string& wallet_id) { return snapshot(wallet_id).wallet; }
  Wallet get_by_user(const std::string& user_id, const std::string& currency) {
    return snapshot_by_user(user_id, currency).wallet;
  }
  /// The wallet with when its next hold releases, for the balance cache.
  WalletSnapshot snapshot(const std::string& wallet_id);
  WalletSnapshot snapshot_by_user(const std::string& user_id, const std::string& currency);

 private:
  pg::Connection& conn_;
  int max_retries_;
};

/// Inside an open transaction: creates the user wallets that do not exist yet (and their
/// currencies' system accounts), writes a wallet.created event for each, and returns the
/// wallets it created. Pairs are (user_id, currency); each new wallet carries `metadata`.
std::vector<Wallet> create_user_wallets(pg::Connection& conn,
                                        const std::vector<std::pair<std::string, std::string>>& pairs,
                                        const Metadata& metadata = {});

/// Inside an open transaction: the system accounts of a currency, created if missing. Funding
/// is the newest of the currency's funding accounts.
SystemAccounts system_accounts(pg::Connection& conn, const std::string& currency);

/// Opens the funding account after a full one (unless it exists) and returns the currency's
/// system accounts with it. Its own statement: commits at once outside a transaction.
SystemAccounts open_next_funding_account(pg::Connection& conn, const std::string& currency,
                                         const std::string& full_funding_id);

}  // namespace wallet
