// Bulk settlement replay: streams a settlement CSV through the batch write path, many rows per
// database transaction, and reports what happened to every row.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

enum class RowStatus { kApplied, kReplayed, kRefused, kInvalid, kValid };
const char* row_status_name(RowStatus status);

struct RowOutcome {
  std::uint64_t line = 0;
  RowStatus status = RowStatus::kApplied;
  std::string transaction_id;  // empty when none
  std::string error_code;      // empty when none
  std::string message;
};

struct ReplayOptions {
  std::size_t batch_size = 500;
  bool dry_run = false;           // validate rows and check wallets; change nothing
  bool stop_on_error = false;     // stop at the first invalid or refused row
  BalanceCache* cache = nullptr;  // told of every committed batch's changes
  /// Where rows' own idempotency keys live: replay_key_scope() of --key-scope, or "" (the key
  /// space of CLI commands, which files used before --key-scope existed).
  std::string key_scope;
};

struct ReplaySummary {
  std::uint64_t rows = 0, applied = 0, replayed = 0, refused = 0, invalid = 0, valid = 0;
  bool stopped_early = false;
  bool all_good() const { return refused == 0 && invalid == 0; }
};

/// Receives each row's outcome in file order, and progress after every batch.
class ReplayObserver {
 public:
  virtual ~ReplayObserver() = default;
  virtual void on_row(const RowOutcome& outcome) = 0;
  virtual void on_progress(std::uint64_t bytes_read, std::uint64_t rows) = 0;
};

/// Replays `file`, whose SHA-256 is `file_hash` (it keys the rows that carry no
/// idempotency_key). Throws DomainError(kInvalidInput) when the file cannot be read as a
/// settlement file at all (no header, unknown column), DomainError(kUnavailable) when the
/// database is unreachable.
ReplaySummary replay_settlements(pg::Connection& conn, const Settings& settings, std::istream& file,
                                 const std::string& file_hash, const ReplayOptions& options, ReplayObserver& observer);

}  // namespace wallet
