// The statements that write what a posted batch decided: one multi-row statement per table,
// sent together in one pipeline, and the balance cache told of the user wallets they change.
#pragma once

#include <vector>

#include "core/balance_cache.hpp"
#include "core/pg/connection.hpp"
#include "core/pg/transaction.hpp"
#include "core/posting.hpp"

namespace wallet {

/// Inside the caller's transaction, writes what a posting decided (and runs `more` in the same
/// pipeline). With a cache, it leaves tombstones of the new versions in Redis while
/// PostgreSQL writes, before the commit; when Redis cannot be told, a notification of the
/// changes goes out with the COMMIT for every listening daemon. Without a cache, the trigger
/// on wallets notifies.
void write_posting(pg::Connection& conn, const PostingWrites& writes, std::vector<pg::Statement> more,
                   BalanceCache* cache);

/// pg::in_transaction() for a body that calls write_posting(): once it committed, and before
/// the caller acknowledges anything, the cache holds nothing older than what it wrote, even
/// when its tombstones could not be left before the commit (BalanceCache::catch_up()).
template <class Body>
auto in_posting_transaction(pg::Connection& conn, int max_attempts, BalanceCache* cache, Body&& body)
    -> decltype(body()) {
  const auto failures_before = cache ? cache->failures_so_far() : 0;
  auto result = pg::in_transaction(conn, max_attempts, std::forward<Body>(body));
  if (cache) cache->catch_up(failures_before);
  return result;
}

}  // namespace wallet
