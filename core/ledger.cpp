#include "core/ledger.hpp"

#include <algorithm>
#include <set>

#include "core/ids.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/posting.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

// Keys are claimed in key order, so two batches never wait on each other's keys in a cycle.
constexpr const char* kClaimKeys =
    "INSERT INTO idempotency_keys (scope, key, request_hash, transaction_id, withdrawal_id) "
    "SELECT $1, k.key, k.hash, k.tx, k.wd FROM unnest($2::text[], $3::text[], $4::uuid[], $5::uuid[]) "
    "AS k(key, hash, tx, wd) ORDER BY k.key "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING key";
constexpr const char* kSelectKeys =
    "SELECT key, request_hash, transaction_id, withdrawal_id FROM idempotency_keys "
    "WHERE scope = $1 AND key = ANY($2::text[])";
constexpr const char* kReleaseKeys = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = ANY($2::text[])";
constexpr const char* kDescribeWallets = "SELECT id, kind, currency FROM wallets WHERE id = ANY($1::uuid[])";
constexpr const char* kFindUserWallets =
    "SELECT w.id, w.user_id, w.currency FROM wallets w "
    "JOIN unnest($1::text[], $2::text[]) AS u(user_id, currency) "
    "ON w.kind = 'user' AND w.user_id = u.user_id AND w.currency = u.currency";
// Rows are locked in id order: two batches touching the same wallets cannot deadlock.
constexpr const char* kLockWallets =
    "SELECT w.id, w.balance, COALESCE((SELECT sum(h.amount) FROM holds h "
    "WHERE h.wallet_id = w.id AND h.release_at > now()), 0), now() "
    "FROM wallets w WHERE w.id = ANY($1::uuid[]) ORDER BY w.id FOR UPDATE OF w";
constexpr const char* kUpdateBalances =
    "UPDATE wallets SET balance = v.balance, version = wallets.version + 1, updated_at = now() "
    "FROM unnest($1::uuid[], $2::bigint[]) AS v(id, balance) WHERE wallets.id = v.id";
constexpr const char* kInsertTransactions =
    "INSERT INTO transactions (id, kind, amount, currency, source_wallet_id, destination_wallet_id, "
    "idempotency_key, reference, release_at) "
    "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::uuid[], $6::uuid[], "
    "$7::text[], $8::text[], $9::timestamptz[])";
constexpr const char* kInsertEntries =
    "INSERT INTO ledger_entries (transaction_id, wallet_id, amount, balance_after) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::bigint[])";
constexpr const char* kInsertHolds =
    "INSERT INTO holds (transaction_id, wallet_id, amount, release_at) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[])";
constexpr const char* kInsertWithdrawals =
    "INSERT INTO withdrawals (id, wallet_id, amount, currency, transaction_id) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::uuid[])";
const std::string kSelectTransactions =
    std::string("SELECT ") + rows::kTransactionColumns + " FROM transactions t WHERE t.id = ANY($1::uuid[])";
const std::string kSelectWithdrawals =
    std::string("SELECT ") + rows::kWithdrawalColumns + " FROM withdrawals d WHERE d.id = ANY($1::uuid[])";

template <class Row, class Field>
std::string column(const std::vector<Row>& rows, Field field) {
  std::vector<std::optional<std::string>> values;
  values.reserve(rows.size());
  for (const auto& r : rows) {
    if constexpr (std::is_same_v<std::decay_t<decltype(r.*field)>, std::int64_t>) {
      values.emplace_back(std::to_string(r.*field));
    } else {
      values.emplace_back(r.*field);
    }
  }
  return pg::text_array(values);
}

}  // namespace

// One attempt at applying a batch. A new BatchRun is made for every retry, so nothing of a
// failed attempt survives into the next.
class BatchRun {
 public:
  BatchRun(Ledger& ledger, const std::vector<Operation>& ops, const std::string& scope,
           std::map<std::string, SystemAccounts>& fresh_system)
      : ledger_(ledger),
        conn_(ledger.conn_),
        ops_(ops),
        scope_(scope),
        slots_(ops.size()),
        fresh_system_(fresh_system) {}

  std::vector<OperationResult> run() {
    claim_keys();
    resolve_wallets();
    post_and_write();
    load_replays();
    std::vector<OperationResult> out;
    out.reserve(slots_.size());
    for (auto& s : slots_) out.push_back(std::move(s.result));
    return out;
  }

 private:
  struct Slot {
    ResolvedOperation resolved;
    OperationResult result;
    bool settled = false;      // result is final (error or replay) before posting
    bool claimed_key = false;  // this slot inserted its key row
    int duplicate_of = -1;     // an earlier slot of the batch with the same key
    std::string hash;
  };

  void settle(Slot& s, DomainError e) {
    s.result.error = std::move(e);
    s.settled = true;
  }

  void claim_keys() {
    std::map<std::string, int> first_with_key;
    std::vector<std::string> keys, hashes;
    std::vector<std::optional<std::string>> txs, wds;
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      auto& s = slots_[i];
      s.resolved.op = &ops_[i];
      s.resolved.transaction_id = new_uuid();
      if (ops_[i].kind == OperationKind::kWithdrawal) s.resolved.withdrawal_id = new_uuid();
      if (!ops_[i].idempotency_key) continue;
      s.hash = ops_[i].request_hash();
      auto [it, inserted] = first_with_key.emplace(*ops_[i].idempotency_key, static_cast<int>(i));
      if (!inserted) {
        s.duplicate_of = it->second;
        s.settled = true;
        continue;
      }
      keys.push_back(*ops_[i].idempotency_key);
      hashes.push_back(s.hash);
      txs.emplace_back(s.resolved.transaction_id);
      wds.push_back(s.resolved.withdrawal_id.empty() ? std::nullopt : std::optional(s.resolved.withdrawal_id));
    }
    if (keys.empty()) return;
    auto claimed = conn_.exec(
        kClaimKeys, {scope_, pg::text_array(keys), pg::text_array(hashes), pg::text_array(txs), pg::text_array(wds)});
    std::set<std::string> mine;
    for (int r = 0; r < claimed.rows(); ++r) mine.insert(claimed.str(r, 0));
    std::vector<std::string> taken;
    for (const auto& k : keys) {
      if (!mine.count(k)) taken.push_back(k);
    }
    for (const auto& k : mine) slots_[static_cast<std::size_t>(first_with_key[k])].claimed_key = true;
    if (taken.empty()) return;
    auto existing = conn_.exec(kSelectKeys, {scope_, pg::text_array(taken)});
    if (existing.rows() != static_cast<int>(taken.size())) {
      // A key we collided with was released by a refused request in the meantime: try again.
      throw pg::Error(pg::ErrorKind::kRetryable, "", "idempotency key released concurrently");
    }
    for (int r = 0; r < existing.rows(); ++r) {
      auto& s = slots_[static_cast<std::size_t>(first_with_key[existing.str(r, 0)])];
      s.settled = true;
      if (existing.text(r, 1) != s.hash) {
        settle(s, DomainError(ErrorCode::kIdempotencyConflict, "idempotency key '" + *s.resolved.op->idempotency_key +
                                                                   "' was used for a different request"));
        continue;
      }
      s.result.replayed = true;
      s.resolved.transaction_id = existing.opt(r, 2).value_or("");
      s.resolved.withdrawal_id = existing.opt(r, 3).value_or("");
    }
  }

  void resolve_wallets() {
    std::vector<std::string> ids;
    std::vector<std::string> users, currencies;
    for (auto& s : slots_) {
      if (s.settled) continue;
      const Operation& op = *s.resolved.op;
      if (op.wallet.wallet_id) {
        ids.push_back(*op.wallet.wallet_id);
      } else {
        users.push_back(*op.wallet.user_id);
        currencies.push_back(op.currency.value_or(ledger_.default_currency_));
      }
      if (op.to_wallet_id) ids.push_back(*op.to_wallet_id);
    }
    if (ids.empty() && users.empty()) return;
    std::map<std::string, std::string> currency_of;  // user wallets by id
    std::map<std::pair<std::string, std::string>, std::string> by_user;
    auto results = conn_.pipeline({{kDescribeWallets, {pg::text_array(ids)}},
                                   {kFindUserWallets, {pg::text_array(users), pg::text_array(currencies)}}});
    for (int r = 0; r < results[0].rows(); ++r) {
      if (results[0].text(r, 1) == "user") currency_of[results[0].str(r, 0)] = results[0].str(r, 2);
    }
    for (int r = 0; r < results[1].rows(); ++r) {
      by_user[{results[1].str(r, 1), results[1].str(r, 2)}] = results[1].str(r, 0);
      currency_of[results[1].str(r, 0)] = results[1].str(r, 2);
    }
    create_missing_wallets(by_user, currency_of);
    for (auto& s : slots_) {
      if (!s.settled) resolve_slot(s, by_user, currency_of);
    }
  }

  // A charge to a user who has no wallet in that currency creates it.
  void create_missing_wallets(std::map<std::pair<std::string, std::string>, std::string>& by_user,
                              std::map<std::string, std::string>& currency_of) {
    std::vector<std::pair<std::string, std::string>> missing;
    for (auto& s : slots_) {
      const Operation& op = *s.resolved.op;
      if (s.settled || op.wallet.wallet_id || op.kind != OperationKind::kCharge) continue;
      std::pair<std::string, std::string> key{*op.wallet.user_id, op.currency.value_or(ledger_.default_currency_)};
      if (!by_user.count(key)) missing.push_back(key);
    }
    if (missing.empty()) return;
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    for (const auto& w : create_user_wallets(conn_, missing)) {
      by_user[{w.user_id, w.currency}] = w.id;
      currency_of[w.id] = w.currency;
    }
    // Wallets another transaction created at the same moment: read them now that it committed.
    std::vector<std::string> users, currencies;
    for (const auto& key : missing) {
      if (by_user.count(key)) continue;
      users.push_back(key.first);
      currencies.push_back(key.second);
    }
    if (users.empty()) return;
    auto res = conn_.exec(kFindUserWallets, {pg::text_array(users), pg::text_array(currencies)});
    for (int r = 0; r < res.rows(); ++r) {
      by_user[{res.str(r, 1), res.str(r, 2)}] = res.str(r, 0);
      currency_of[res.str(r, 0)] = res.str(r, 2);
    }
  }

  void resolve_slot(Slot& s, const std::map<std::pair<std::string, std::string>, std::string>& by_user,
                    const std::map<std::string, std::string>& currency_of) {
    const Operation& op = *s.resolved.op;
    auto& r = s.resolved;
    if (op.wallet.wallet_id) {
      r.wallet_id = *op.wallet.wallet_id;
    } else {
      const std::string currency = op.currency.value_or(ledger_.default_currency_);
      auto it = by_user.find({*op.wallet.user_id, currency});
      if (it == by_user.end()) {
        return settle(s, DomainError(ErrorCode::kWalletNotFound,
                                     "user '" + *op.wallet.user_id + "' has no " + currency + " wallet"));
      }
      r.wallet_id = it->second;
    }
    auto wallet = currency_of.find(r.wallet_id);
    if (wallet == currency_of.end()) {
      return settle(s, DomainError(ErrorCode::kWalletNotFound, "no wallet " + r.wallet_id));
    }
    r.currency = wallet->second;
    if (op.currency && *op.currency != r.currency) {
      return settle(s, DomainError(ErrorCode::kCurrencyMismatch,
                                   "wallet " + r.wallet_id + " holds " + r.currency + ", not " + *op.currency));
    }
    if (op.to_wallet_id) {
      r.to_wallet_id = *op.to_wallet_id;
      auto to = currency_of.find(r.to_wallet_id);
      if (to == currency_of.end()) {
        return settle(s, DomainError(ErrorCode::kWalletNotFound, "no wallet " + r.to_wallet_id));
      }
      if (r.to_wallet_id == r.wallet_id) {
        return settle(s, DomainError(ErrorCode::kSameWallet, "a transfer needs two different wallets"));
      }
      if (to->second != r.currency) {
        return settle(s, DomainError(ErrorCode::kCurrencyMismatch,
                                     "cannot transfer " + r.currency + " to a " + to->second + " wallet"));
      }
    }
  }

  // Known system accounts come from the ledger's cache; new ones join it only after commit
  // (see Ledger::apply), since a rolled-back attempt may have created them.
  std::map<std::string, SystemAccounts> system_accounts_for(const std::set<std::string>& currencies) {
    std::map<std::string, SystemAccounts> out;
    for (const auto& c : currencies) {
      auto it = ledger_.system_accounts_.find(c);
      out[c] = it != ledger_.system_accounts_.end() ? it->second : (fresh_system_[c] = system_accounts(conn_, c));
    }
    return out;
  }

  void post_and_write() {
    std::set<std::string> currencies, lock_ids;
    for (const auto& s : slots_) {
      if (s.settled) continue;
      currencies.insert(s.resolved.currency);
      lock_ids.insert(s.resolved.wallet_id);
      if (!s.resolved.to_wallet_id.empty()) lock_ids.insert(s.resolved.to_wallet_id);
    }
    PostingWrites writes;
    if (!lock_ids.empty()) {
      auto system = system_accounts_for(currencies);
      for (const auto& [c, sys] : system) {
        lock_ids.insert(sys.funding);
        lock_ids.insert(sys.clearing);
      }
      auto locked =
          conn_.exec(kLockWallets, {pg::text_array(std::vector<std::string>(lock_ids.begin(), lock_ids.end()))});
      std::map<std::string, AccountState> accounts;
      for (int r = 0; r < locked.rows(); ++r) {
        accounts[locked.str(r, 0)] = {Money(locked.int64(r, 1)), Money(locked.int64(r, 2))};
      }
      const std::string now_text = pg_timestamp_to_rfc3339(locked.text(0, 3));
      Posting posting(std::move(accounts), std::move(system), parse_rfc3339(now_text), now_text);
      for (auto& s : slots_) {
        if (!s.settled) s.result = posting.post(s.resolved);
      }
      writes = posting.writes();
    }
    finish_duplicates();
    // A request refused without effect does not consume its key.
    std::vector<std::string> released_keys;
    for (const auto& s : slots_) {
      if (s.claimed_key && s.result.error) released_keys.push_back(*s.resolved.op->idempotency_key);
    }
    write(writes, released_keys);
  }

  // A key repeated inside one batch: the same request replays the first one's outcome.
  void finish_duplicates() {
    for (auto& s : slots_) {
      if (s.duplicate_of < 0) continue;
      const auto& first = slots_[static_cast<std::size_t>(s.duplicate_of)];
      if (first.hash != s.hash) {
        s.result.error =
            DomainError(ErrorCode::kIdempotencyConflict,
                        "idempotency key '" + *s.resolved.op->idempotency_key + "' was used for a different request");
      } else {
        s.result = first.result;
        s.result.replayed = first.result.ok();
        s.resolved.transaction_id = first.resolved.transaction_id;
        s.resolved.withdrawal_id = first.resolved.withdrawal_id;
      }
    }
  }

  void write(const PostingWrites& w, const std::vector<std::string>& released_keys) {
    std::vector<pg::Statement> statements;
    if (!w.balances.empty()) {
      std::vector<std::string> ids;
      std::vector<std::int64_t> balances;
      for (const auto& [id, balance] : w.balances) {
        ids.push_back(id);
        balances.push_back(balance.minor());
      }
      statements.push_back({kUpdateBalances, {pg::text_array(ids), pg::int_array(balances)}});
    }
    if (!w.transactions.empty()) {
      const auto& t = w.transactions;
      statements.push_back(
          {kInsertTransactions,
           {column(t, &Transaction::id), column(t, &Transaction::kind), column(t, &Transaction::amount),
            column(t, &Transaction::currency), column(t, &Transaction::source_wallet_id),
            column(t, &Transaction::destination_wallet_id), column(t, &Transaction::idempotency_key),
            column(t, &Transaction::reference), column(t, &Transaction::release_at)}});
      const auto& e = w.entries;
      statements.push_back({kInsertEntries,
                            {column(e, &LedgerEntryRow::transaction_id), column(e, &LedgerEntryRow::wallet_id),
                             column(e, &LedgerEntryRow::amount), column(e, &LedgerEntryRow::balance_after)}});
    }
    if (!w.holds.empty()) {
      const auto& h = w.holds;
      statements.push_back({kInsertHolds,
                            {column(h, &HoldRow::transaction_id), column(h, &HoldRow::wallet_id),
                             column(h, &HoldRow::amount), column(h, &HoldRow::release_at)}});
    }
    if (!w.withdrawals.empty()) {
      const auto& d = w.withdrawals;
      statements.push_back(
          {kInsertWithdrawals,
           {column(d, &Withdrawal::id), column(d, &Withdrawal::wallet_id), column(d, &Withdrawal::amount),
            column(d, &Withdrawal::currency), column(d, &Withdrawal::transaction_id)}});
    }
    if (!w.events.empty()) statements.push_back(insert_outbox(w.events));
    if (!released_keys.empty()) {
      statements.push_back({kReleaseKeys, {scope_, pg::text_array(released_keys)}});
    }
    if (!statements.empty()) conn_.pipeline(statements);
  }

  void load_replays() {
    std::vector<std::string> txs, wds;
    for (const auto& s : slots_) {
      if (!s.result.replayed) continue;
      if (!s.resolved.transaction_id.empty()) txs.push_back(s.resolved.transaction_id);
      if (!s.resolved.withdrawal_id.empty()) wds.push_back(s.resolved.withdrawal_id);
    }
    if (txs.empty()) return;
    auto results = conn_.pipeline(
        {{kSelectTransactions.c_str(), {pg::text_array(txs)}}, {kSelectWithdrawals.c_str(), {pg::text_array(wds)}}});
    std::map<std::string, Transaction> tx_by_id;
    std::map<std::string, Withdrawal> wd_by_id;
    for (int r = 0; r < results[0].rows(); ++r) {
      auto t = rows::transaction(results[0], r);
      tx_by_id.emplace(t.id, std::move(t));
    }
    for (int r = 0; r < results[1].rows(); ++r) {
      auto w = rows::withdrawal(results[1], r);
      wd_by_id.emplace(w.id, std::move(w));
    }
    for (auto& s : slots_) {
      if (!s.result.replayed) continue;
      if (auto it = tx_by_id.find(s.resolved.transaction_id); it != tx_by_id.end()) s.result.transaction = it->second;
      if (auto it = wd_by_id.find(s.resolved.withdrawal_id); it != wd_by_id.end()) s.result.withdrawal = it->second;
    }
  }

  Ledger& ledger_;
  pg::Connection& conn_;
  const std::vector<Operation>& ops_;
  const std::string& scope_;
  std::vector<Slot> slots_;
  std::map<std::string, SystemAccounts>& fresh_system_;
};

Ledger::Ledger(pg::Connection& conn, const Settings& settings)
    : conn_(conn),
      default_currency_(settings.ledger.default_currency),
      max_retries_(static_cast<int>(settings.database.max_retries)) {}

std::vector<OperationResult> Ledger::apply(const std::vector<Operation>& ops, const std::string& key_scope) {
  if (ops.empty()) return {};
  std::map<std::string, SystemAccounts> fresh_system;
  auto results = pg::in_transaction(conn_, max_retries_, [&] {
    fresh_system.clear();
    return BatchRun(*this, ops, key_scope, fresh_system).run();
  });
  system_accounts_.merge(fresh_system);
  return results;
}

OperationResult Ledger::apply_one(const Operation& op, const std::string& key_scope) {
  auto results = apply({op}, key_scope);
  if (results.front().error) throw *results.front().error;
  return std::move(results.front());
}

}  // namespace wallet
