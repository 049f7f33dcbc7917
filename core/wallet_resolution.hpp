// Resolving the wallets a batch names (by id, or by user and currency) and checking the rules
// that need them: the wallet exists, currencies agree, a transfer has two different wallets.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/operations.hpp"
#include "core/pg/connection.hpp"
#include "core/posting.hpp"

namespace wallet {

/// What a batch knows about the user wallets it names. System accounts are absent on purpose:
/// no operation may name one.
struct WalletDirectory {
  std::map<std::pair<std::string, std::string>, std::string> by_user;  // (user, currency) -> id
  std::map<std::string, std::string> currency_of;                      // id -> currency
  std::map<std::string, std::string> owner_of;                         // id -> user

  void add(const std::string& id, const std::string& user, const std::string& currency);
};

/// The statements (one per non-empty list, so none for none) that look up the user wallets with
/// these ids and (user, currency) pairs, sent in a pipeline with whatever else shares the round
/// trip, and the directory made by the first `count` results of that pipeline.
std::vector<pg::Statement> wallet_lookups(const std::vector<std::string>& ids,
                                          const std::vector<std::pair<std::string, std::string>>& users);
WalletDirectory wallet_directory(const std::vector<pg::Result>& results, std::size_t count);
/// Inside a transaction: the two lookups in a round trip of their own.
WalletDirectory look_up_wallets(pg::Connection& conn, const std::vector<std::string>& ids,
                                const std::vector<std::pair<std::string, std::string>>& users);

/// Inside a transaction: creates the missing user wallets (charges by user create them) and
/// adds them, or those another transaction created at the same moment, to the directory.
void create_wallets(pg::Connection& conn, WalletDirectory& directory,
                    std::vector<std::pair<std::string, std::string>> missing);

/// Whether the operation's caller may use the wallet it names by user (see
/// Operation::acting_user); checked before a charge by user creates that user's wallet.
bool acting_user_may_name(const Operation& op);

/// Fills the wallet ids and currency of r from the directory. Throws DomainError when it
/// cannot (no such wallet, a currency mismatch, one wallet twice).
void resolve_operation(ResolvedOperation& r, const WalletDirectory& directory, const std::string& default_currency);

}  // namespace wallet
