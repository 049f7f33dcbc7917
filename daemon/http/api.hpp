// The routes of the HTTP API (ARCHITECTURE section 4) and what their handlers share. Handlers
// are thin: decode, call one core operation, encode.
#pragma once

#include <atomic>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/pg/pool.hpp"
#include "daemon/http/api_docs.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/http/group_commit.hpp"
#include "daemon/http/readiness.hpp"
#include "daemon/http/replica_reads.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"

namespace wallet::daemon {

struct ApiState {
  const Settings& settings;
  pg::ConnectionPool& pool;            // the primary's
  ReplicaReads& reads;                 // where reads that accept staleness go
  Metrics& metrics;
  const std::atomic<bool>& stopping;  // set once shutdown began: /readyz answers 503
  BalanceCache* cache;                // none when Redis is disabled
  GroupCommitter& writes;             // where money-moving operations are applied
  const Readiness& readiness;         // whether the database answered lately (/readyz)
  Authenticator& auth;                // a batch counts its operations against the caller's rate
};

/// Sets what an operation may do for the caller: whose wallets it may debit, the key space of
/// its idempotency key, whether it may reverse a charge.
void act_as_caller(const Exchange& ex, Operation& op);

/// POST /wallets, /charge, /withdraw, /transfers.
void add_write_routes(Router& router, ApiState& state);
/// POST /batches.
void add_batch_routes(Router& router, ApiState& state);
/// GET of wallets, balances, histories and withdrawals.
void add_read_routes(Router& router, ApiState& state);
/// /health, /healthz, /readyz, /metrics, /openapi.json.
void add_service_routes(Router& router, ApiState& state);

inline void add_api_routes(Router& router, ApiState& state) {
  add_write_routes(router, state);
  add_batch_routes(router, state);
  add_read_routes(router, state);
  add_service_routes(router, state);
  add_docs_routes(router);
}

}  // namespace wallet::daemon
