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
#include "core/pg/connection.hpp"

namespace wallet {

/// The channel a commit that records new withdrawals notifies.
inline constexpr const char* kWithdrawalChannel = "walletctl_withdrawals";

/// What the gateway said about one claimed withdrawal. The claim's `attempts` identifies the
/// claim: an outcome of an older claim of the same row is not recorded.
struct PayoutOutcome {
  Withdrawal claim;
  PayoutResult result;
};

struct RecordSummary {
  int completed = 0, failed = 0, retried = 0;
  int lost = 0;  // the claim expired and the row was claimed again (or settled) meanwhile
};

struct QueueStats {
  std::int64_t pending = 0, processing = 0;
  double oldest_unsettled_seconds = 0;
};

class WithdrawalQueue {
 public:
  /// `cache`, when given, is told of the wallets that refunds credit.
  WithdrawalQueue(pg::Connection& conn, const Settings& settings, BalanceCache* cache = nullptr);

  /// Claims up to `limit` due rows, earliest due first, skipping rows other claimers hold:
  /// pending rows whose retry time has come, and processing rows whose lease expired. Each
  /// claim counts an attempt and holds the row for `withdrawals.lease_seconds`.
  std::vector<Withdrawal> claim(int limit);
  /// Records outcomes in one database transaction: paid → completed with a payout
  /// transaction; refused, or transient on the last attempt → failed with a refund; transient
  /// or unknown → pending again after a backoff (unknown never fails on its own: the bank may
  /// have paid).
  RecordSummary record(const std::vector<PayoutOutcome>& outcomes);
  /// Gives back claims never worked on (at shutdown): pending and due at once, the attempt
  /// not counted.
  void release(const std::vector<Withdrawal>& claims);
  /// Milliseconds until the next unsettled row falls due (0: one is due), none when the queue
  /// is empty.
  std::optional<std::int64_t> next_due_ms();

 private:
  pg::Connection& conn_;
  BalanceCache* cache_;
  const Settings::Withdrawals& config_;
  int max_retries_;
};

/// The delay before retrying after failed attempt number `attempt` (1-based): the initial
/// delay doubled per attempt up to the maximum, then a random point in its upper half, so
/// retries of many rows that failed together spread out.
std::chrono::milliseconds retry_delay(std::int64_t attempt, std::int64_t initial_ms, std::int64_t max_ms,
                                      std::uint64_t random);

/// How many withdrawals wait, and for how long the oldest has.
QueueStats withdrawal_queue_stats(pg::Connection& conn);

}  // namespace wallet
