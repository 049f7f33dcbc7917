#include "core/wallet_resolution.hpp"

#include <algorithm>

#include "core/pg/array.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

constexpr const char* kDescribeWallets =
    "SELECT id, user_id, currency FROM wallets WHERE id = ANY($1::uuid[]) AND kind = 'user'";
constexpr const char* kFindUserWallets =
    "SELECT w.id, w.user_id, w.currency FROM wallets w "
    "JOIN unnest($1::text[], $2::text[]) AS u(user_id, currency) "
    "ON w.kind = 'user' AND w.user_id = u.user_id AND w.currency = u.currency";

void add_rows(WalletDirectory& d, const pg::Result& res) {
  for (int r = 0; r < res.rows(); ++r) d.add(res.str(r, 0), res.str(r, 1), res.str(r, 2));
}

pg::Params user_params(const std::vector<std::pair<std::string, std::string>>& users) {
  std::vector<std::string> names, currencies;
  for (const auto& [user, currency] : users) {
    names.push_back(user);
    currencies.push_back(currency);
  }
  return {pg::text_array(names), pg::text_array(currencies)};
}

}  // namespace

void WalletDirectory::add(const std::string& id, const std::string& user, const std::string& currency) {
  by_user[{user, currency}] = id;
  currency_of[id] = currency;
  owner_of[id] = user;
}

bool acting_user_may_name(const Operation& op) {
  return !op.acting_user || !op.wallet.user_id || *op.wallet.user_id == *op.acting_user;
}

std::vector<pg::Statement> wallet_lookups(const std::vector<std::string>& ids,
                                          const std::vector<std::pair<std::string, std::string>>& users) {
  std::vector<pg::Statement> out;
  if (!ids.empty()) out.push_back({kDescribeWallets, {pg::text_array(ids)}});
  if (!users.empty()) out.push_back({kFindUserWallets, user_params(users)});
  return out;
}

WalletDirectory wallet_directory(const std::vector<pg::Result>& results, std::size_t count) {
  WalletDirectory d;
  for (std::size_t i = 0; i < count; ++i) add_rows(d, results.at(i));
  return d;
}

WalletDirectory look_up_wallets(pg::Connection& conn, const std::vector<std::string>& ids,
                                const std::vector<std::pair<std::string, std::string>>& users) {
  const auto statements = wallet_lookups(ids, users);
  if (statements.empty()) return {};
  return wallet_directory(conn.pipeline(statements), statements.size());
}

void create_wallets(pg::Connection& conn, WalletDirectory& d,
                    std::vector<std::pair<std::string, std::string>> missing) {
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  if (missing.empty()) return;
  for (const auto& w : create_user_wallets(conn, missing)) d.add(w.id, w.user_id, w.currency);
  std::erase_if(missing, [&](const auto& key) { return d.by_user.count(key) > 0; });
  if (missing.empty()) return;
  // Created by another transaction at the same moment: visible now that it has committed.
  add_rows(d, conn.exec(kFindUserWallets, user_params(missing)));
}

void resolve_operation(ResolvedOperation& r, const WalletDirectory& d, const std::string& default_currency) {
  const Operation& op = *r.op;
  if (!acting_user_may_name(op)) {
    const std::string currency = op.currency.value_or(default_currency);
    throw DomainError(ErrorCode::kWalletNotFound, "user '" + *op.wallet.user_id + "' has no " + currency + " wallet");
  }
  if (op.wallet.wallet_id) {
    r.wallet_id = *op.wallet.wallet_id;
  } else {
    const std::string currency = op.currency.value_or(default_currency);
    auto it = d.by_user.find({*op.wallet.user_id, currency});
    if (it == d.by_user.end()) {
      throw DomainError(ErrorCode::kWalletNotFound,
                         "user '" + *op.wallet.user_id + "' has no " + currency + " wallet");
    }
    r.wallet_id = it->second;
  }
  auto wallet = d.currency_of.find(r.wallet_id);
  const bool foreign = op.acting_user && d.owner_of.count(r.wallet_id) && d.owner_of.at(r.wallet_id) != *op.acting_user;
  if (wallet == d.currency_of.end() || foreign) {
    throw DomainError(ErrorCode::kWalletNotFound, "no wallet " + r.wallet_id);
  }
  r.currency = wallet->second;
  if (op.currency && *op.currency != r.currency) {
    throw DomainError(ErrorCode::kCurrencyMismatch,
                       "wallet " + r.wallet_id + " holds " + r.currency + ", not " + *op.currency);
  }
  if (!op.to_wallet_id) return;
  r.to_wallet_id = *op.to_wallet_id;
  auto to = d.currency_of.find(r.to_wallet_id);
  if (to == d.currency_of.end()) throw DomainError(ErrorCode::kWalletNotFound, "no wallet " + r.to_wallet_id);
  if (r.to_wallet_id == r.wallet_id) {
    throw DomainError(ErrorCode::kSameWallet, "a transfer needs two different wallets");
  }
  if (to->second != r.currency) {
    throw DomainError(ErrorCode::kCurrencyMismatch,
                       "cannot transfer " + r.currency + " to a " + to->second + " wallet");
  }
}

}  // namespace wallet
