// Group commit: request threads hand their operations to a queue; a few writer threads, each
// with its own PostgreSQL connection, take what is waiting (up to max_batch; when fewer wait,
// after lingering at most linger_us for more), apply it through the core's batch write path in
// one database transaction, and hand each request its own result once that transaction has
// committed. One commit (one WAL flush) then acknowledges many requests. The balance cache is
// told by the write path itself, before each commit (write_posting() in core/ledger_writer).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/ledger.hpp"
#include "core/operations.hpp"
#include "core/pg/connection.hpp"

namespace wallet::daemon {

struct GroupCommitStats {
  std::uint64_t batches = 0;     // database transactions committed (or failed)
  std::uint64_t operations = 0;  // operations they carried
  std::int64_t retries = 0;      // attempts run again after a deadlock: stays 0
};

class GroupCommitter {
 public:
  /// Starts [group_commit] writers threads; each connects to database.url on first use.
  GroupCommitter(const Settings& settings, BalanceCache* cache);
  /// Stops the writers once the operations already handed in are applied.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;

  /// Applies op in the next batch and returns its result once committed (an error result when
  /// refused). Throws DomainError(kUnavailable) when the database cannot be reached, like the
  /// direct write path.
  OperationResult apply(Operation op);

  /// A client's batch (POST /batches): applied in a database transaction of its own with the
  /// mode given, never merged with other requests; one result per operation, in order. An
  /// independent batch that breaks as a whole is applied one operation at a time, as a group
  /// of requests is. Throws as apply() does.
  std::vector<OperationResult> apply_batch(std::vector<Operation> ops, BatchMode mode);

  GroupCommitStats stats() const;
  /// Operations handed in and not yet taken by a writer.
  std::size_t waiting() const;

 private:
  // One request: a single operation, which may share a transaction with others, or a batch.
  struct Pending {
    std::vector<Operation> ops;
    BatchMode mode = BatchMode::kIndependent;
    bool alone = false;  // a client's batch: its own transaction
    std::promise<std::vector<OperationResult>> done;
  };
  struct Writer {
    std::optional<pg::Connection> conn;
    std::optional<Ledger> ledger;
  };

  void run_writer();
  std::vector<Pending> take_batch();
  void commit(Writer& w, std::vector<Pending>& batch);
  void commit_one_by_one(Writer& w, std::vector<Pending>& batch, std::vector<Operation>& ops);
  std::vector<OperationResult> enqueue(Pending pending);
  Ledger& ledger_of(Writer& w);

  const Settings& settings_;
  BalanceCache* cache_;
  const std::size_t max_batch_;
  const std::chrono::microseconds linger_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  GroupCommitStats stats_;
  std::vector<std::thread> writers_;
};

}  // namespace wallet::daemon
