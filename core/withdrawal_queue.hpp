// The withdrawal queue is the withdrawals table: due rows are claimed with a lease (so several
// processes share it and a crashed worker's rows come back), gateway answers are recorded in
// batches, and claims never worked on are given back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/model.hpp"
#include "core/payout_gateway.hpp"
#include "core/payout_rules.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// What the gateway said about one claimed withdrawal. The claim's `claims` identifies the
/// claim: an outcome of an older claim of the same row is not recorded.
struct PayoutOutcome {
  Withdrawal claim;
  PayoutResult result;
};

struct RecordSummary {
  int completed = 0, failed = 0, retried = 0, review = 0;
  int lost = 0;  // the claim expired and the row was claimed again (or settled) meanwhile
};

struct QueueStats {
  std::int64_t pending = 0, processing = 0, needs_review = 0;
  double oldest_unsettled_seconds = 0, oldest_needs_review_seconds = 0;
};

class WithdrawalQueue {
 public:
  /// `cache`, when given, is told of the wallets that refunds credit.
  WithdrawalQueue(pg::Connection& conn, const Settings& settings, BalanceCache* cache = nullptr);

  /// Claims up to `limit` due rows, earliest due first, skipping rows other claimers hold:
  /// pending and needs_review rows whose next call is due, and processing rows whose lease
  /// expired (those become possibly paid: the lost claim's call may have reached the bank).
  /// Each claim holds the row for `withdrawals.lease_seconds`. Amount, wallet and currency are
  /// read from the withdrawal's ledger transaction.
  std::vector<Withdrawal> claim(int limit);
  /// Records outcomes in one database transaction, as decide_payout() rules: completed with a
  /// payout transaction, failed with a refund, pending again after a delay, or needs_review.
  /// A refund that would overflow its wallet goes to needs_review instead.
  RecordSummary record(const std::vector<PayoutOutcome>& outcomes);
  /// Gives back claims never worked on (at shutdown): due at once, nothing counted.
  void release(const std::vector<Withdrawal>& claims);
  /// Milliseconds until the next unsettled row falls due (0: one is due), none when the queue
  /// is empty.
  std::optional<std::int64_t> next_due_ms();

  /// An operator settles a withdrawal in needs_review: paid (clearing → payouts) or refund
  /// (clearing → wallet), with the reason recorded and one event. Throws
  /// DomainError(kWithdrawalNotFound) or (kWithdrawalNotInReview) when it is not in review
  /// (a worker may be calling the bank for it this moment).
  Withdrawal resolve(const std::string& withdrawal_id, WithdrawalResolution resolution, const std::string& reason);
  /// Makes a withdrawal in review (or pending) due now: one more call to the bank. Throws as
  /// resolve() does.
  Withdrawal retry_now(const std::string& withdrawal_id);

 private:
  pg::Connection& conn_;
  BalanceCache* cache_;
  const Settings::Withdrawals& config_;
  int max_retries_;
};

/// How many withdrawals wait, and for how long the oldest has.
QueueStats withdrawal_queue_stats(pg::Connection& conn);

}  // namespace wallet
