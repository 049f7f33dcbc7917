#include "core/withdrawal_queue.hpp"

#include <map>
#include <random>
#include <set>

#include "core/account_locks.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/ledger_writer.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/posting.hpp"
#include "core/rows.hpp"
#include "core/signals.hpp"
#include "core/timestamp.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

// The withdrawal's columns, but what is paid (wallet, amount, currency) comes from its ledger
// transaction, which nothing can change: the row is only a copy.
const std::string kColumnsPaidFromLedger =
    "d.id, t.source_wallet_id, t.amount, t.currency, d.status, d.attempts, d.failure_reason, d.transaction_id, "
    "d.created_at, d.updated_at, d.possibly_paid, d.claims, d.resolution, d.resolved_at, t.metadata";

// A claim moves next_attempt_at to the lease's end, so one index serves every kind of due row.
// A processing row that is due lost its claim's lease with the outcome unrecorded: the call
// may have reached the bank, so the row becomes possibly paid.
const std::string kClaim =
    "WITH due AS (SELECT id FROM withdrawals "
    "WHERE status IN ('pending', 'processing', 'needs_review') AND next_attempt_at <= now() "
    "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
    "UPDATE withdrawals d SET status = 'processing', claims = d.claims + 1, "
    "possibly_paid = d.possibly_paid OR d.status = 'processing', "
    "locked_until = now() + $2 * interval '1 second', "
    "next_attempt_at = now() + $2 * interval '1 second', updated_at = now() "
    "FROM due, transactions t WHERE d.id = due.id AND t.id = d.transaction_id RETURNING " +
    kColumnsPaidFromLedger;
constexpr const char* kLockClaimed =
    "SELECT id, status, claims FROM withdrawals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";
constexpr const char* kRetryLater =
    "UPDATE withdrawals d SET status = v.status, attempts = v.attempts, possibly_paid = v.possibly_paid, "
    "locked_until = NULL, failure_reason = v.reason, "
    "next_attempt_at = now() + v.delay_ms * interval '1 millisecond', updated_at = now() "
    "FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bool[], $5::bigint[], $6::text[]) "
    "AS v(id, status, attempts, possibly_paid, delay_ms, reason) WHERE d.id = v.id";
constexpr const char* kRelease =
    "UPDATE withdrawals d SET status = CASE WHEN d.possibly_paid AND d.attempts >= $3 "
    "THEN 'needs_review' ELSE 'pending' END, locked_until = NULL, next_attempt_at = now(), updated_at = now() "
    "FROM unnest($1::uuid[], $2::int[]) AS v(id, claims) "
    "WHERE d.id = v.id AND d.status = 'processing' AND d.claims = v.claims";
constexpr const char* kNextDue =
    "SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000))::bigint "
    "FROM withdrawals WHERE status IN ('pending', 'processing', 'needs_review')";
constexpr const char* kStats =
    "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'processing'), "
    "count(*) FILTER (WHERE status = 'needs_review'), "
    "COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status <> 'needs_review')), 0)::float8, "
    "COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE status = 'needs_review')), 0)::float8 "
    "FROM withdrawals WHERE status IN ('pending', 'processing', 'needs_review')";
const std::string kLockOne = "SELECT " + kColumnsPaidFromLedger +
                             " FROM withdrawals d JOIN transactions t ON t.id = d.transaction_id "
                             "WHERE d.id = $1 FOR UPDATE OF d";
const std::string kRetryNow = std::string(
                                  "UPDATE withdrawals d SET status = 'pending', next_attempt_at = now(), "
                                  "updated_at = now() WHERE d.id = $1 AND d.status IN ('pending', 'needs_review') "
                                  "RETURNING ") +
                              rows::kWithdrawalColumns;
constexpr const char* kExists = "SELECT 1 FROM withdrawals WHERE id = $1";

// The outcomes whose claim still holds: the row is processing under the same claim.
std::vector<const PayoutOutcome*> still_claimed(pg::Connection& conn, const std::vector<PayoutOutcome>& outcomes) {
  std::vector<std::string> ids;
  for (const auto& o : outcomes) ids.push_back(o.claim.id);
  const auto locked = conn.exec(kLockClaimed, {pg::text_array(ids)});
  std::map<std::string, std::int64_t> processing;  // id -> claims
  for (int r = 0; r < locked.rows(); ++r) {
    if (locked.text(r, 1) == "processing") processing[locked.str(r, 0)] = locked.int64(r, 2);
  }
  std::vector<const PayoutOutcome*> valid;
  for (const auto& o : outcomes) {
    auto it = processing.find(o.claim.id);
    if (it != processing.end() && it->second == o.claim.claims) valid.push_back(&o);
  }
  return valid;
}

// A withdrawal about to reach a final state: as it will stand, and whether it was paid.
struct Final {
  Withdrawal withdrawal;
  bool paid = false;
};

// Final outcomes move money: lock the accounts in id order and post; the caller writes. The
// withdrawals whose refund would overflow their wallet are returned in `overflowed`.
Posting settle(pg::Connection& conn, const std::vector<Final>& finals, std::vector<Withdrawal>& overflowed) {
  std::set<std::string> currencies, ids;
  for (const auto& f : finals) currencies.insert(f.withdrawal.currency);
  std::map<std::string, SystemAccounts> system;
  for (const auto& c : currencies) {
    system[c] = system_accounts(conn, c);
    ids.insert({system[c].clearing, system[c].payouts});
  }
  for (const auto& f : finals) {
    if (!f.paid) ids.insert(f.withdrawal.wallet_id);
  }
  const auto locked =
      conn.exec(kLockAccountsInIdOrder, {pg::text_array(std::vector<std::string>(ids.begin(), ids.end()))});
  auto accounts = locked_accounts(locked);
  const std::string now_text = pg_timestamp_to_rfc3339(locked.text(0, 2));
  Posting posting(std::move(accounts), std::move(system), parse_rfc3339(now_text), now_text);
  for (const auto& f : finals) {
    if (!posting.settle(f.withdrawal, new_uuid(), f.paid)) overflowed.push_back(f.withdrawal);
  }
  return posting;
}

// Rows that stay unsettled: pending or needs_review again, due after a delay.
struct Later {
  std::vector<std::string> ids, statuses, reasons, possibly_paid;
  std::vector<std::int64_t> attempts, delays;
  void add(const Withdrawal& w, WithdrawalStatus status, std::int64_t delay_ms) {
    ids.push_back(w.id);
    statuses.emplace_back(name(status));
    reasons.push_back(w.failure_reason.value_or(""));
    possibly_paid.emplace_back(w.possibly_paid ? "true" : "false");
    attempts.push_back(w.attempts);
    delays.push_back(delay_ms);
  }
  std::vector<pg::Statement> statements() const {
    if (ids.empty()) return {};
    return {{kRetryLater,
             {pg::text_array(ids), pg::text_array(statuses), pg::int_array(attempts), pg::text_array(possibly_paid),
              pg::int_array(delays), pg::text_array(reasons)}}};
  }
};

}  // namespace

WithdrawalQueue::WithdrawalQueue(pg::Connection& conn, const Settings& settings, BalanceCache* cache)
    : conn_(conn),
      cache_(cache),
      config_(settings.withdrawals),
      max_retries_(static_cast<int>(settings.database.max_retries)) {}

std::vector<Withdrawal> WithdrawalQueue::claim(int limit) {
  auto res = conn_.exec(kClaim.c_str(), {std::to_string(limit), std::to_string(config_.lease_seconds)});
  std::vector<Withdrawal> out;
  for (int r = 0; r < res.rows(); ++r) out.push_back(rows::withdrawal(res, r));
  return out;
}

RecordSummary WithdrawalQueue::record(const std::vector<PayoutOutcome>& outcomes) {
  if (outcomes.empty()) return {};
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return in_posting_transaction(conn_, max_retries_, cache_, [&] {
    RecordSummary summary;
    const auto valid = still_claimed(conn_, outcomes);
    summary.lost = static_cast<int>(outcomes.size() - valid.size());
    std::vector<Final> finals;
    Later later;
    for (const auto* o : valid) {
      const auto d = decide_payout(o->claim, o->result, config_, rng());
      Withdrawal w = o->claim;
      w.attempts = d.attempts;
      w.possibly_paid = d.possibly_paid;
      w.failure_reason = d.reason.empty() ? std::nullopt : std::optional(d.reason);
      switch (d.next) {
        case PayoutNext::kComplete:
        case PayoutNext::kRefund:
          finals.push_back({std::move(w), d.next == PayoutNext::kComplete});
          break;
        case PayoutNext::kRetry:
          later.add(w, WithdrawalStatus::kPending, d.delay_ms);
          ++summary.retried;
          break;
        case PayoutNext::kReview:
          later.add(w, WithdrawalStatus::kNeedsReview, d.delay_ms);
          ++summary.review;
          break;
      }
    }
    if (finals.empty()) {
      if (!later.ids.empty()) conn_.pipeline(later.statements());
      return summary;
    }
    std::vector<Withdrawal> overflowed;
    const auto posting = settle(conn_, finals, overflowed);
    for (auto& w : overflowed) {
      // Refunding would push the wallet past the largest balance: an operator decides.
      w.failure_reason = "refund would overflow the wallet's balance: " + w.failure_reason.value_or("");
      later.add(w, WithdrawalStatus::kNeedsReview, config_.review_retry_seconds * 1000);
      ++summary.review;
    }
    for (const auto& s : posting.writes().settled_withdrawals)
      ++(s.status == WithdrawalStatus::kCompleted ? summary.completed : summary.failed);
    // Refunds credit user wallets: the cache is told before the commit.
    write_posting(conn_, posting.writes(), later.statements(), cache_);
    return summary;
  });
}

void WithdrawalQueue::release(const std::vector<Withdrawal>& claims) {
  if (claims.empty()) return;
  std::vector<std::string> ids;
  std::vector<std::int64_t> tokens;
  for (const auto& c : claims) {
    ids.push_back(c.id);
    tokens.push_back(c.claims);
  }
  conn_.exec(kRelease, {pg::text_array(ids), pg::int_array(tokens), std::to_string(config_.max_attempts)});
}

std::optional<std::int64_t> WithdrawalQueue::next_due_ms() {
  auto res = conn_.exec(kNextDue);
  if (res.is_null(0, 0)) return std::nullopt;
  return res.int64(0, 0);
}

Withdrawal WithdrawalQueue::resolve(const std::string& withdrawal_id, WithdrawalResolution resolution,
                                    const std::string& reason) {
  return in_posting_transaction(conn_, max_retries_, cache_, [&] {
    auto res = conn_.exec(kLockOne.c_str(), {withdrawal_id});
    if (res.rows() == 0) throw DomainError(ErrorCode::kWithdrawalNotFound, "no withdrawal with id " + withdrawal_id);
    Withdrawal w = rows::withdrawal(res, 0);
    if (w.status != WithdrawalStatus::kNeedsReview) {
      throw DomainError(ErrorCode::kWithdrawalNotInReview,
                        "withdrawal " + withdrawal_id + " is " + std::string(name(w.status)) + ", not needs_review");
    }
    const bool paid = resolution == WithdrawalResolution::kPaid;
    w.resolution = resolution;
    w.failure_reason = std::string(paid ? "resolved by an operator as paid: " : "refunded by an operator: ") + reason;
    std::vector<Withdrawal> overflowed;
    const auto posting = settle(conn_, {{w, paid}}, overflowed);
    if (!overflowed.empty()) {
      throw DomainError(ErrorCode::kBalanceOverflow, "refunding withdrawal " + withdrawal_id +
                                                         " would overflow the balance of wallet " + w.wallet_id);
    }
    write_posting(conn_, posting.writes(), {}, cache_);
    return posting.writes().settled_withdrawals.front();
  });
}

Withdrawal WithdrawalQueue::retry_now(const std::string& withdrawal_id) {
  return pg::in_transaction(conn_, max_retries_, [&] {
    auto res = conn_.exec(kRetryNow.c_str(), {withdrawal_id});
    if (res.rows() == 0) {
      if (conn_.exec(kExists, {withdrawal_id}).rows() == 0) {
        throw DomainError(ErrorCode::kWithdrawalNotFound, "no withdrawal with id " + withdrawal_id);
      }
      throw DomainError(ErrorCode::kWithdrawalNotInReview,
                        "withdrawal " + withdrawal_id + " is not pending or needs_review: nothing to retry");
    }
    const auto notify = signals::notify_withdrawals();
    conn_.exec(notify.sql, notify.params);  // the pools wake at the commit
    return rows::withdrawal(res, 0);
  });
}

QueueStats withdrawal_queue_stats(pg::Connection& conn) {
  auto res = conn.exec(kStats);
  return {res.int64(0, 0), res.int64(0, 1), res.int64(0, 2), std::stod(res.str(0, 3)), std::stod(res.str(0, 4))};
}

}  // namespace wallet
