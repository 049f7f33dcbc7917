#include "core/withdrawal_queue.hpp"

#include <map>
#include <random>
#include <set>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/ledger_writer.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "core/posting.hpp"
#include "core/rows.hpp"
#include "core/timestamp.hpp"
#include "core/wallet_store.hpp"

namespace wallet {
namespace {

// A claim moves next_attempt_at to the lease's end, so one index serves both kinds of due row.
const std::string kClaim = std::string(
                               "WITH due AS (SELECT id FROM withdrawals "
                               "WHERE status IN ('pending', 'processing') AND next_attempt_at <= now() "
                               "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
                               "UPDATE withdrawals d SET status = 'processing', attempts = d.attempts + 1, "
                               "locked_until = now() + $2 * interval '1 second', "
                               "next_attempt_at = now() + $2 * interval '1 second', updated_at = now() "
                               "FROM due WHERE d.id = due.id RETURNING ") +
                           rows::kWithdrawalColumns;
constexpr const char* kLockClaimed =
    "SELECT id, status, attempts FROM withdrawals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE";
constexpr const char* kRetryLater =
    "UPDATE withdrawals d SET status = 'pending', locked_until = NULL, failure_reason = v.reason, "
    "next_attempt_at = now() + v.delay_ms * interval '1 millisecond', updated_at = now() "
    "FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS v(id, delay_ms, reason) WHERE d.id = v.id";
constexpr const char* kRelease =
    "UPDATE withdrawals d SET status = 'pending', attempts = d.attempts - 1, locked_until = NULL, "
    "next_attempt_at = now(), updated_at = now() "
    "FROM unnest($1::uuid[], $2::int[]) AS v(id, attempts) "
    "WHERE d.id = v.id AND d.status = 'processing' AND d.attempts = v.attempts";
constexpr const char* kNextDue =
    "SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000))::bigint "
    "FROM withdrawals WHERE status IN ('pending', 'processing')";
constexpr const char* kStats =
    "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'processing'), "
    "COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 "
    "FROM withdrawals WHERE status IN ('pending', 'processing')";

// The outcomes whose claim still holds: the row is processing under the same attempt.
std::vector<const PayoutOutcome*> still_claimed(pg::Connection& conn, const std::vector<PayoutOutcome>& outcomes) {
  std::vector<std::string> ids;
  for (const auto& o : outcomes) ids.push_back(o.claim.id);
  const auto locked = conn.exec(kLockClaimed, {pg::text_array(ids)});
  std::map<std::string, std::int64_t> processing;  // id -> attempts
  for (int r = 0; r < locked.rows(); ++r) {
    if (locked.text(r, 1) == "processing") processing[locked.str(r, 0)] = locked.int64(r, 2);
  }
  std::vector<const PayoutOutcome*> valid;
  for (const auto& o : outcomes) {
    auto it = processing.find(o.claim.id);
    if (it != processing.end() && it->second == o.claim.attempts) valid.push_back(&o);
  }
  return valid;
}

// Final outcomes move money: lock the accounts in id order and post; the caller writes.
Posting settle(pg::Connection& conn, const std::vector<std::pair<const PayoutOutcome*, bool>>& done,
               const std::string& exhausted_note) {
  std::set<std::string> currencies, ids;
  for (const auto& [o, paid] : done) currencies.insert(o->claim.currency);
  std::map<std::string, SystemAccounts> system;
  for (const auto& c : currencies) {
    system[c] = system_accounts(conn, c);
    ids.insert({system[c].clearing, system[c].payouts});
  }
  for (const auto& [o, paid] : done) {
    if (!paid) ids.insert(o->claim.wallet_id);
  }
  const auto locked =
      conn.exec(rows::kLockAccountsInIdOrder, {pg::text_array(std::vector<std::string>(ids.begin(), ids.end()))});
  auto accounts = rows::locked_accounts(locked);
  const std::string now_text = pg_timestamp_to_rfc3339(locked.text(0, 2));
  Posting posting(std::move(accounts), std::move(system), parse_rfc3339(now_text), now_text);
  for (const auto& [o, paid] : done) {
    std::optional<std::string> reason;
    if (!paid) {
      reason = o->result.status == PayoutStatus::kTransient ? exhausted_note + o->result.reason : o->result.reason;
    }
    posting.settle(o->claim, new_uuid(), reason);
  }
  return posting;
}

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
  return pg::in_transaction(conn_, max_retries_, [&] {
    RecordSummary summary;
    const auto valid = still_claimed(conn_, outcomes);
    summary.lost = static_cast<int>(outcomes.size() - valid.size());
    std::vector<std::pair<const PayoutOutcome*, bool>> done;  // outcome, paid
    std::vector<std::string> retry_ids, retry_reasons;
    std::vector<std::int64_t> retry_delays;
    for (const auto* o : valid) {
      const auto status = o->result.status;
      // An unknown outcome is retried however many attempts it took: refunding a payout the
      // bank may have made would pay it twice. The next definite answer settles it.
      const bool retry = status == PayoutStatus::kUnknown ||
                         (status == PayoutStatus::kTransient && o->claim.attempts < config_.max_attempts);
      if (retry) {
        retry_ids.push_back(o->claim.id);
        retry_delays.push_back(
            retry_delay(o->claim.attempts, config_.backoff_initial_ms, config_.backoff_max_ms, rng()).count());
        retry_reasons.push_back(o->result.reason);
        ++summary.retried;
        continue;
      }
      done.emplace_back(o, status == PayoutStatus::kPaid);
      ++(status == PayoutStatus::kPaid ? summary.completed : summary.failed);
    }
    std::vector<pg::Statement> retries;
    if (!retry_ids.empty()) {
      retries.push_back(
          {kRetryLater, {pg::text_array(retry_ids), pg::int_array(retry_delays), pg::text_array(retry_reasons)}});
    }
    if (!done.empty()) {
      // Refunds credit user wallets: the cache is told before the commit.
      const auto posting = settle(conn_, done, "gave up after " + std::to_string(config_.max_attempts) + " attempts: ");
      write_posting(conn_, posting.writes(), std::move(retries), cache_);
    } else if (!retries.empty()) {
      conn_.pipeline(retries);
    }
    return summary;
  });
}

void WithdrawalQueue::release(const std::vector<Withdrawal>& claims) {
  if (claims.empty()) return;
  std::vector<std::string> ids;
  std::vector<std::int64_t> attempts;
  for (const auto& c : claims) {
    ids.push_back(c.id);
    attempts.push_back(c.attempts);
  }
  conn_.exec(kRelease, {pg::text_array(ids), pg::int_array(attempts)});
}

std::optional<std::int64_t> WithdrawalQueue::next_due_ms() {
  auto res = conn_.exec(kNextDue);
  if (res.is_null(0, 0)) return std::nullopt;
  return res.int64(0, 0);
}

std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                                      std::uint64_t random) {
  std::int64_t delay = initial_ms;
  for (std::int64_t i = 1; i < attempt && delay < max_ms; ++i) delay *= 2;
  delay = std::min(delay, max_ms);
  const std::int64_t half = delay / 2;
  const auto spread = static_cast<std::uint64_t>(delay - half + 1);
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(random % spread));
}

QueueStats withdrawal_queue_stats(pg::Connection& conn) {
  auto res = conn.exec(kStats);
  return {res.int64(0, 0), res.int64(0, 1), std::stod(res.str(0, 2))};
}

}  // namespace wallet
