// The write path: applies a batch of operations in one database transaction, each with its own
// result. A single operation is a batch of one; CSV replay and the daemon's group commit use
// the same path.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/operations.hpp"
#include "core/pg/connection.hpp"
#include "core/wallet_store.hpp"

namespace wallet {

enum class BatchMode {
  kIndependent,       // a refused operation refuses only itself
  kStopAtFirstError,  // operations after the first refused one are not attempted
  kValidateOnly,      // check ids, wallets, currencies and keys; change nothing
  /// All or none: when any operation is refused, the transaction is rolled back (no key is
  /// claimed) and every other operation's result is kBatchAborted.
  kAtomic,
};

/// What each other operation of an atomic batch answers when operations[first] was refused.
DomainError batch_aborted(std::size_t first, const DomainError& refused);

class Ledger {
 public:
  /// `cache`, when given, is told of every change before it commits (see write_posting()).
  Ledger(pg::Connection& conn, const Settings& settings, BalanceCache* cache = nullptr);

  /// Applies ops in order in one database transaction (retried on deadlock), each with its own
  /// result. Each operation's idempotency key lives in its own key_scope, so one batch may hold
  /// the requests of many clients. Throws DomainError(kUnavailable) when the database is
  /// unreachable.
  std::vector<OperationResult> apply(const std::vector<Operation>& ops, BatchMode mode = BatchMode::kIndependent);

  /// A batch of one; throws the operation's DomainError when it is refused.
  OperationResult apply_one(const Operation& op);

  /// Attempts run again after a deadlock or serialization failure, over this Ledger's life
  /// (those that ended in an error excepted): with every lock taken in one order, it stays 0.
  std::int64_t retries() const { return retries_; }

 private:
  friend class BatchRun;
  pg::Connection& conn_;
  BalanceCache* cache_;
  std::string default_currency_;
  std::int64_t pending_timeout_seconds_;
  int max_retries_;
  std::int64_t retries_ = 0;
  std::map<std::string, SystemAccounts> system_accounts_;  // by currency; funding moves on as one fills
};

}  // namespace wallet
