#include "core/wallet_store.hpp"

#include <set>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/outbox.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

constexpr const char* kEnsureSystemAccounts =
    "INSERT INTO wallets (id, kind, currency) "
    "SELECT gen_random_uuid(), k, $1 FROM unnest(ARRAY['funding', 'clearing', 'payouts']) AS k "
    "ON CONFLICT (kind, currency, shard) WHERE kind <> 'user' DO NOTHING";
// In shard order: the newest funding account is the one charges draw on.
constexpr const char* kSelectSystemAccounts =
    "SELECT kind, id FROM wallets WHERE kind <> 'user' AND currency = $1 ORDER BY shard";
// The funding account after $2, unless another writer opened it first.
constexpr const char* kOpenNextFunding =
    "INSERT INTO wallets (id, kind, currency, shard) SELECT gen_random_uuid(), 'funding', w.currency, w.shard + 1 "
    "FROM wallets w WHERE w.id = $1 AND w.kind = 'funding' "
    "ON CONFLICT (kind, currency, shard) WHERE kind <> 'user' DO NOTHING";
constexpr const char* kInsertUserWallets =
    "INSERT INTO wallets (id, kind, user_id, currency, metadata) "
    "SELECT u.id, 'user', u.user_id, u.currency, $4::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[]) "
    "AS u(id, user_id, currency) "
    "ON CONFLICT (user_id, currency) WHERE kind = 'user' DO NOTHING "
    "RETURNING id, user_id, currency, balance, 0, version, created_at, updated_at, NULL::bigint, pending_out, "
    "pending_in, metadata, frozen_at, frozen_reason, overdraft_limit";
// The notification wakes the outbox publisher at commit, so events leave within milliseconds.

const std::string kSelectWallet = std::string("SELECT ") + rows::kWalletColumns + " FROM " + rows::kWalletsWithHolds +
                                  " WHERE w.id = $1 AND w.kind = 'user'";
const std::string kSelectWalletByUser = std::string("SELECT ") + rows::kWalletColumns + " FROM " +
                                        rows::kWalletsWithHolds +
                                        " WHERE w.kind = 'user' AND w.user_id = $1 AND w.currency = $2";

std::optional<SystemAccounts> read_system_accounts(pg::Connection& conn, const std::string& currency) {
  auto res = conn.exec(kSelectSystemAccounts, {currency});
  SystemAccounts out;
  for (int r = 0; r < res.rows(); ++r) {
    const auto kind = res.text(r, 0);
    if (kind == "funding") out.funding = res.str(r, 1);
    if (kind == "clearing") out.clearing = res.str(r, 1);
    if (kind == "payouts") out.payouts = res.str(r, 1);
  }
  if (out.funding.empty() || out.clearing.empty() || out.payouts.empty()) return std::nullopt;
  return out;
}

}  // namespace

SystemAccounts system_accounts(pg::Connection& conn, const std::string& currency) {
  if (auto found = read_system_accounts(conn, currency)) return *found;
  conn.exec(kEnsureSystemAccounts, {currency});
  if (auto made = read_system_accounts(conn, currency)) return *made;
  throw DomainError(ErrorCode::kInternal, "system accounts for " + currency + " are missing");
}

SystemAccounts open_next_funding_account(pg::Connection& conn, const std::string& currency,
                                         const std::string& full_funding_id) {
  conn.exec(kOpenNextFunding, {full_funding_id});
  return system_accounts(conn, currency);
}

std::vector<Wallet> create_user_wallets(pg::Connection& conn,
                                        const std::vector<std::pair<std::string, std::string>>& pairs,
                                        const Metadata& metadata) {
  std::vector<std::string> ids, users, currencies;
  std::set<std::string> distinct_currencies;
  for (const auto& [user, currency] : pairs) {
    ids.push_back(new_uuid());
    users.push_back(user);
    currencies.push_back(currency);
    distinct_currencies.insert(currency);
  }
  for (const auto& currency : distinct_currencies) system_accounts(conn, currency);
  auto res = conn.exec(kInsertUserWallets, {pg::text_array(ids), pg::text_array(users), pg::text_array(currencies),
                                            metadata_column(metadata)});
  std::vector<Wallet> created;
  std::vector<OutboxEvent> events;
  for (int r = 0; r < res.rows(); ++r) {
    created.push_back(rows::wallet(res, r));
    events.push_back(make_event("wallet.created", std::nullopt, created.back().created_at, json_text(created.back())));
  }
  if (!events.empty()) {
    const auto stmt = insert_outbox(events);
    conn.exec(stmt.sql, stmt.params);
  }
  return created;
}

Wallet WalletStore::create(const std::string& user_id, const std::string& currency, const Metadata& metadata) {
  return pg::in_transaction(conn_, max_retries_, [&] {
    auto created = create_user_wallets(conn_, {{user_id, currency}}, metadata);
    if (created.empty()) {
      throw DomainError(ErrorCode::kWalletExists, "user '" + user_id + "' already has a " + currency + " wallet");
    }
    return created.front();
  });
}

WalletSnapshot WalletStore::snapshot(const std::string& wallet_id) {
  auto res = conn_.exec(kSelectWallet.c_str(), {wallet_id});
  if (res.rows() == 0) throw DomainError(ErrorCode::kWalletNotFound, "no wallet " + wallet_id);
  return rows::wallet_snapshot(res, 0);
}

WalletSnapshot WalletStore::snapshot_by_user(const std::string& user_id, const std::string& currency) {
  auto res = conn_.exec(kSelectWalletByUser.c_str(), {user_id, currency});
  if (res.rows() == 0) {
    throw DomainError(ErrorCode::kWalletNotFound, "user '" + user_id + "' has no " + currency + " wallet");
  }
  return rows::wallet_snapshot(res, 0);
}

}  // namespace wallet
