#include "core/ledger.hpp"

#include <set>

#include "core/account_locks.hpp"
#include "core/batch_targets.hpp"
#include "core/idempotency.hpp"
#include "core/ids.hpp"
#include "core/ledger_writer.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/posting.hpp"
#include "core/rows.hpp"
#include "core/wallet_resolution.hpp"

namespace wallet {
namespace {

// Read in a statement of its own, after the locks are held: in READ COMMITTED a new statement
// sees the holds committed by a transaction it waited for, which the locking statement's own
// snapshot would miss. No hold of a locked wallet can appear while the locks are held.
constexpr const char* kUnreleasedHolds =
    "SELECT wallet_id, sum(amount) FROM holds WHERE wallet_id = ANY($1::uuid[]) AND release_at > now() "
    "GROUP BY wallet_id";
const std::string kSelectWithdrawals =
    std::string("SELECT ") + rows::kWithdrawalColumns + " FROM withdrawals d WHERE d.id = ANY($1::uuid[])";
const std::string kSelectTransfers = std::string("SELECT ") + rows::kPendingTransferColumns +
                                     " FROM pending_transfers p WHERE p.id = ANY($1::uuid[])";

struct CreatedRows {
  std::map<std::string, Transaction> transactions;
  std::map<std::string, Withdrawal> withdrawals;
  std::map<std::string, PendingTransfer> transfers;
};

// The rows earlier requests created or acted on, by id, in one round trip.
CreatedRows read_created(pg::Connection& conn, const std::vector<std::string>& txs,
                         const std::vector<std::string>& wds, const std::vector<std::string>& tfs) {
  auto results = conn.pipeline({{rows::kTransactionsByIds.c_str(), {pg::text_array(txs)}},
                                {kSelectWithdrawals.c_str(), {pg::text_array(wds)}},
                                {kSelectTransfers.c_str(), {pg::text_array(tfs)}}});
  CreatedRows out;
  for (int r = 0; r < results[0].rows(); ++r) {
    auto t = rows::transaction(results[0], r);
    out.transactions.emplace(t.id, std::move(t));
  }
  for (int r = 0; r < results[1].rows(); ++r) {
    auto w = rows::withdrawal(results[1], r);
    out.withdrawals.emplace(w.id, std::move(w));
  }
  for (int r = 0; r < results[2].rows(); ++r) {
    auto t = rows::pending_transfer(results[2], r);
    out.transfers.emplace(t.id, std::move(t));
  }
  return out;
}

// Every funding account opened takes at least one charge of the batch before it can fill.
constexpr int kMaxFundingAccountsPerBatch = 64;

// An atomic batch with a refused operation: thrown before anything is written (so the balance
// cache is told nothing), it rolls the transaction back, key claims and new wallets with it.
struct AtomicBatchRefused {
  std::vector<OperationResult> results;
};

// What an atomic batch answers when it was rolled back: the refused operations their own
// error, every other one kBatchAborted naming the first refusal.
std::vector<OperationResult> aborted(std::vector<OperationResult> results) {
  std::size_t first = 0;
  while (results[first].ok()) ++first;
  const auto because = batch_aborted(first, *results[first].error);
  for (auto& r : results) {
    if (r.ok()) r = OperationResult::refused(because);
  }
  return results;
}

}  // namespace

// One attempt at applying a batch. A new BatchRun is made for every retry, so nothing of a
// failed attempt survives into the next.
class BatchRun {
 public:
  /// fresh_system: where system accounts this attempt creates go (they join the ledger's list
  /// after the commit).
  BatchRun(Ledger& ledger, const std::vector<Operation>& ops, BatchMode mode,
           std::map<std::string, SystemAccounts>& fresh_system)
      : ledger_(ledger),
        conn_(ledger.conn_),
        mode_(mode),
        slots_(ops.size()),
        keys_(conn_, mode == BatchMode::kValidateOnly),
        fresh_system_(fresh_system) {
    for (std::size_t i = 0; i < ops.size(); ++i) slots_[i].resolved.op = &ops[i];
  }

  std::vector<OperationResult> run() {
    read_targets();
    claim_keys();
    auto directory = look_up();  // the key claims travel with this lookup
    keys_.settle();
    take_key_verdicts();
    resolve_wallets(directory);
    post_and_write();
    load_replays();
    return results();
  }

 private:
  struct Slot {
    ResolvedOperation resolved;
    OperationResult result;
    bool settled = false;  // the outcome is known before posting (an error or a replay)
  };

  std::vector<OperationResult> results() {
    std::vector<OperationResult> out;
    out.reserve(slots_.size());
    for (auto& s : slots_) out.push_back(std::move(s.result));
    return out;
  }

  const Operation& op(const Slot& s) const { return *s.resolved.op; }
  bool validating() const { return mode_ == BatchMode::kValidateOnly; }
  bool repeats(std::size_t i) const { return keys_.verdict(i).kind == KeyVerdict::Kind::kRepeat; }

  // The ids of the rows operations of the batch act on (a round trip only for targets named by key).
  void read_targets() { targets_.find(conn_, batch()); }

  std::vector<ResolvedOperation*> batch() {
    std::vector<ResolvedOperation*> out;
    for (auto& s : slots_) out.push_back(&s.resolved);
    return out;
  }

  // Chooses the ids each operation will create or act on (its key row points at them) and
  // queues the claim of their keys.
  void claim_keys() {
    for (auto& s : slots_) {
      const auto kind = op(s).kind;
      if (creates_transaction(kind)) s.resolved.transaction_id = new_uuid();
      if (kind == OperationKind::kWithdrawal) s.resolved.withdrawal_id = new_uuid();
      keys_.add(op(s), {s.resolved.transaction_id, s.resolved.withdrawal_id, s.resolved.transfer_id});
    }
    keys_.send_claims();
  }

  // Conflicts and replays of earlier requests are known before anything is posted; a repeat
  // inside the batch waits for its first (post_and_write).
  void take_key_verdicts() {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      const auto& v = keys_.verdict(i);
      if (!v.decided()) continue;
      s.settled = true;
      if (v.kind == KeyVerdict::Kind::kConflict) s.result.error = idempotency_conflict(op(s));
      if (v.kind != KeyVerdict::Kind::kReplay) continue;
      s.result.replayed = true;
      s.resolved.transaction_id = v.ids.transaction_id;
      s.resolved.withdrawal_id = v.ids.withdrawal_id;
      s.resolved.transfer_id = v.ids.transfer_id;
    }
  }

  // Every wallet the batch names, looked up before the keys are settled (a replay's lookup is
  // wasted, but it shares the claim's round trip), and the rows its operations act on.
  WalletDirectory look_up() {
    std::vector<std::string> ids;
    std::vector<std::pair<std::string, std::string>> users;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      const auto& s = slots_[i];
      if (repeats(i) || names_target(op(s))) continue;
      if (op(s).wallet.wallet_id) {
        ids.push_back(*op(s).wallet.wallet_id);
      } else {
        users.emplace_back(*op(s).wallet.user_id, op(s).currency.value_or(ledger_.default_currency_));
      }
      if (op(s).to_wallet_id) ids.push_back(*op(s).to_wallet_id);
    }
    auto target_reads = targets_.reads();
    if (ids.empty() && users.empty() && target_reads.empty()) return {};
    auto statements = wallet_lookups(ids, users);
    const std::size_t lookups = statements.size();
    statements.insert(statements.end(), target_reads.begin(), target_reads.end());
    auto results = conn_.pipeline(statements);
    if (!target_reads.empty()) targets_.take_first_read(results, lookups);
    return wallet_directory(results, lookups);
  }

  void resolve_wallets(WalletDirectory& directory) {
    // A charge to a user with no wallet in that currency creates it (a validation only notes it).
    std::vector<std::pair<std::string, std::string>> missing;
    for (const auto& s : slots_) {
      if (s.settled || op(s).wallet.wallet_id || op(s).kind != OperationKind::kCharge) continue;
      if (!acting_user_may_name(op(s))) continue;  // refused below, without creating anything
      std::pair<std::string, std::string> key{*op(s).wallet.user_id,
                                              op(s).currency.value_or(ledger_.default_currency_)};
      if (!directory.by_user.count(key)) missing.push_back(std::move(key));
    }
    if (validating()) {
      for (auto& [user, currency] : missing) directory.add("(new wallet of " + user + ")", user, currency);
    } else {
      create_wallets(conn_, directory, std::move(missing));
    }
    const auto all = batch();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (!s.settled) {
        try {
          if (names_target(op(s))) {
            targets_.resolve(s.resolved, i, all);
            continue;
          }
          resolve_operation(s.resolved, directory, ledger_.default_currency_);
        } catch (const DomainError& e) {
          s.result.error = e;  // this operation is refused; the others go on
          s.settled = true;
        }
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

  std::optional<Posting> lock_and_start_posting() {
    std::set<std::string> currencies, lock_ids;
    for (const auto& s : slots_) {
      if (s.settled) continue;
      currencies.insert(s.resolved.currency);
      lock_ids.insert(s.resolved.wallet_id);
      if (!s.resolved.to_wallet_id.empty()) lock_ids.insert(s.resolved.to_wallet_id);
    }
    if (lock_ids.empty()) return std::nullopt;
    auto system = system_accounts_for(currencies);
    // Only the system accounts a leg of this batch moves: locking them for every batch would
    // make all batches, even of transfers between unrelated wallets, wait for one another.
    for (const auto& s : slots_) {
      if (s.settled) continue;
      const auto& sys = system.at(s.resolved.currency);
      if (op(s).kind == OperationKind::kCharge) {
        lock_ids.insert(sys.funding);
        lock_ids.insert(sys.more_funding.begin(), sys.more_funding.end());
      }
      if (op(s).kind == OperationKind::kWithdrawal) lock_ids.insert(sys.clearing);
    }
    const auto ids = pg::text_array(std::vector<std::string>(lock_ids.begin(), lock_ids.end()));
    // Pipelined, the holds query (and the targets' second read) still run after the locking
    // one has finished.
    std::vector<pg::Statement> reads{{kLockAccountsInIdOrder, {ids}}, {kUnreleasedHolds, {ids}}};
    auto target_reads = targets_.reads();
    reads.insert(reads.end(), target_reads.begin(), target_reads.end());
    auto results = conn_.pipeline(reads);
    const auto& locked = results[0];
    auto accounts = locked_accounts(locked);
    for (int r = 0; r < results[1].rows(); ++r) accounts[results[1].str(r, 0)].held = Money(results[1].int64(r, 1));
    const auto targets = target_reads.empty() ? PostingTargets{} : targets_.decode(results, 2);
    const std::string now_text = pg_timestamp_to_rfc3339(locked.text(0, 2));
    return Posting(std::move(accounts), std::move(system), parse_rfc3339(now_text), now_text, std::move(targets),
                   std::chrono::seconds(ledger_.pending_timeout_seconds_));
  }

  // A request repeated inside one batch answers what its first got.
  void copy_first(Slot& s, const Slot& first) {
    s.result = first.result;
    s.result.replayed = first.result.ok();
    s.resolved.transaction_id = first.resolved.transaction_id;
    s.resolved.withdrawal_id = first.resolved.withdrawal_id;
    s.resolved.transfer_id = first.resolved.transfer_id;
  }

  void post_and_write() {
    std::optional<Posting> posting = validating() ? std::nullopt : lock_and_start_posting();
    bool stopped = false;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto& s = slots_[i];
      if (stopped) {
        s.result = OperationResult{};
        s.result.attempted = false;
        continue;
      }
      if (repeats(i)) {
        copy_first(s, slots_[keys_.verdict(i).first]);
      } else if (!s.settled && posting) {
        s.result = posting->post(s.resolved);
      }
      stopped = mode_ == BatchMode::kStopAtFirstError && s.result.error.has_value();
    }
    if (validating()) return;
    if (mode_ == BatchMode::kAtomic) {
      for (auto& s : slots_) {
        if (!s.result.ok()) throw AtomicBatchRefused{results()};
      }
    }
    std::vector<bool> succeeded;
    for (const auto& s : slots_) succeeded.push_back(s.result.ok());
    std::vector<pg::Statement> release;
    if (auto statement = keys_.release_refused(succeeded)) release.push_back(std::move(*statement));
    if (posting) {
      write_posting(conn_, posting->writes(), std::move(release), ledger_.cache_);
    } else if (!release.empty()) {
      conn_.pipeline(release);
    }
  }

  // A replay answers what its first request created or acted on, as it stands now.
  void load_replays() {
    std::vector<std::string> txs, wds, tfs;
    bool any = false;
    for (const auto& s : slots_) {
      if (!s.result.replayed) continue;
      any = true;
      if (!s.resolved.transaction_id.empty()) txs.push_back(s.resolved.transaction_id);
      if (!s.resolved.withdrawal_id.empty()) wds.push_back(s.resolved.withdrawal_id);
      if (!s.resolved.transfer_id.empty()) tfs.push_back(s.resolved.transfer_id);
    }
    if (!any) return;
    const auto created = read_created(conn_, txs, wds, tfs);
    for (auto& s : slots_) {
      if (!s.result.replayed) continue;
      const bool needs_transaction = creates_transaction(op(s).kind);
      auto tx = created.transactions.find(s.resolved.transaction_id);
      auto tf = created.transfers.find(s.resolved.transfer_id);
      // A key row always names the rows committed with it; anything else is corruption.
      if ((needs_transaction && tx == created.transactions.end()) ||
          (!s.resolved.transfer_id.empty() && tf == created.transfers.end())) {
        throw DomainError(ErrorCode::kInternal,
                          "idempotency key '" + *op(s).idempotency_key + "' names a row that does not exist");
      }
      if (tx != created.transactions.end()) s.result.transaction = tx->second;
      if (tf != created.transfers.end()) s.result.transfer = tf->second;
      if (auto it = created.withdrawals.find(s.resolved.withdrawal_id); it != created.withdrawals.end()) {
        s.result.withdrawal = it->second;
      }
    }
  }

  Ledger& ledger_;
  pg::Connection& conn_;
  BatchMode mode_;
  std::vector<Slot> slots_;
  BatchKeys keys_;
  std::map<std::string, SystemAccounts>& fresh_system_;
  BatchTargets targets_;
};

DomainError batch_aborted(std::size_t first, const DomainError& refused) {
  return DomainError(ErrorCode::kBatchAborted, "not applied: operations[" + std::to_string(first) +
                                                   "] of this atomic batch was refused (" +
                                                   std::string(refused.name()) + ")");
}

Ledger::Ledger(pg::Connection& conn, const Settings& settings, BalanceCache* cache)
    : conn_(conn),
      cache_(cache),
      default_currency_(settings.ledger.default_currency),
      pending_timeout_seconds_(settings.ledger.pending_timeout_seconds),
      max_retries_(static_cast<int>(settings.database.max_retries)) {}

std::vector<OperationResult> Ledger::apply(const std::vector<Operation>& ops, BatchMode mode) {
  if (ops.empty()) return {};
  // A batch whose charges fill a funding account is rolled back and run again with one more
  // funding account to move on to (each run gets further; the bound is only a guard).
  for (int opened = 0;; ++opened) {
    std::map<std::string, SystemAccounts> fresh_system;
    int attempts = 0;
    try {
      auto results = in_posting_transaction(conn_, max_retries_, cache_, [&] {
        ++attempts;
        fresh_system.clear();
        return BatchRun(*this, ops, mode, fresh_system).run();
      });
      retries_ += attempts - 1;
      system_accounts_.merge(fresh_system);
      for (auto& [currency, sys] : system_accounts_) {
        if (sys.more_funding.empty()) continue;
        sys.funding = sys.more_funding.back();  // later batches start on the newest
        sys.more_funding.clear();
      }
      return results;
    } catch (AtomicBatchRefused& refused) {
      retries_ += attempts - 1;
      return aborted(std::move(refused.results));
    } catch (const FundingAccountFull& full) {
      if (opened >= kMaxFundingAccountsPerBatch) throw;
      auto it = system_accounts_.find(full.currency);
      if (it == system_accounts_.end()) {
        it = system_accounts_.emplace(full.currency, system_accounts(conn_, full.currency)).first;
      }
      // The next account after the full one (or the newest, when another writer opened it).
      const auto next = open_next_funding_account(conn_, full.currency, full.funding_id).funding;
      if (next != full.funding_id) it->second.more_funding.push_back(next);
    }
  }
}

OperationResult Ledger::apply_one(const Operation& op) {
  auto results = apply({op});
  if (results.front().error) throw *results.front().error;
  return std::move(results.front());
}

}  // namespace wallet
