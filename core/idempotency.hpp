// Idempotency keys of a batch: claimed in the same database transaction as their effect, in
// (scope, key) order so that two batches never wait on each other's keys in a cycle.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/pg/connection.hpp"

namespace wallet {

/// An idempotency key in its client's key space.
using ScopedKey = std::pair<std::string, std::string>;  // scope, key

/// A key this batch wants, with the ids of what its operation will create.
struct KeyClaim {
  ScopedKey key;
  std::string request_hash, transaction_id;
  std::optional<std::string> withdrawal_id;
};

/// A key recorded by an earlier (committed) request.
struct RecordedKey {
  std::string request_hash;
  std::optional<std::string> transaction_id, withdrawal_id;
};

/// The statement that records every claim whose key is free, returning the keys it recorded.
/// A batch sends it deferred (pg::Connection::defer) so that it shares a round trip with the
/// wallet lookup.
pg::Statement claim_idempotency_keys_statement(const std::vector<KeyClaim>& claims);

/// Inside a transaction, given the claim statement's result (or none when only looking keys
/// up): returns the keys that were recorded already. A claim that collides with a request
/// still in flight waited for it, so two requests with one key never both take effect.
std::map<ScopedKey, RecordedKey> recorded_idempotency_keys(pg::Connection& conn, const std::vector<KeyClaim>& claims,
                                                           const pg::Result* claimed);

/// Frees keys whose operation was refused: a refused request does not consume its key.
pg::Statement release_idempotency_keys(const std::vector<ScopedKey>& keys);

}  // namespace wallet
