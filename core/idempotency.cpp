#include "core/idempotency.hpp"

#include <set>

#include "core/pg/array.hpp"

namespace wallet {
namespace {

constexpr const char* kClaimKeys =
    "INSERT INTO idempotency_keys (scope, key, request_hash, transaction_id, withdrawal_id) "
    "SELECT k.scope, k.key, k.hash, k.tx, k.wd FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], "
    "$5::uuid[]) AS k(scope, key, hash, tx, wd) ORDER BY k.scope, k.key "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key";
constexpr const char* kSelectKeys =
    "SELECT i.scope, i.key, i.request_hash, i.transaction_id, i.withdrawal_id FROM idempotency_keys i "
    "JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON i.scope = k.scope AND i.key = k.key";
constexpr const char* kReleaseKeys =
    "DELETE FROM idempotency_keys i USING unnest($1::text[], $2::text[]) AS k(scope, key) "
    "WHERE i.scope = k.scope AND i.key = k.key";

// The scopes and the keys as two parallel arrays.
std::pair<std::string, std::string> key_arrays(const std::vector<ScopedKey>& keys) {
  std::vector<std::string> scopes, names;
  for (const auto& [scope, key] : keys) {
    scopes.push_back(scope);
    names.push_back(key);
  }
  return {pg::text_array(scopes), pg::text_array(names)};
}

}  // namespace

pg::Statement claim_idempotency_keys_statement(const std::vector<KeyClaim>& claims) {
  std::vector<ScopedKey> keys;
  std::vector<std::string> hashes;
  std::vector<std::optional<std::string>> txs, wds;
  for (const auto& c : claims) {
    keys.push_back(c.key);
    hashes.push_back(c.request_hash);
    txs.emplace_back(c.transaction_id);
    wds.push_back(c.withdrawal_id);
  }
  auto [scopes, names] = key_arrays(keys);
  return {kClaimKeys,
          {std::move(scopes), std::move(names), pg::text_array(hashes), pg::text_array(txs), pg::text_array(wds)}};
}

std::map<ScopedKey, RecordedKey> recorded_idempotency_keys(pg::Connection& conn, const std::vector<KeyClaim>& claims,
                                                           const pg::Result* claimed) {
  std::map<ScopedKey, RecordedKey> recorded;
  std::vector<ScopedKey> taken;
  for (const auto& c : claims) taken.push_back(c.key);
  if (claimed) {
    std::set<ScopedKey> mine;
    for (int r = 0; r < claimed->rows(); ++r) mine.emplace(claimed->str(r, 0), claimed->str(r, 1));
    std::erase_if(taken, [&](const ScopedKey& k) { return mine.count(k) > 0; });
  }
  if (taken.empty()) return recorded;
  const auto [scopes, keys] = key_arrays(taken);
  auto existing = conn.exec(kSelectKeys, {scopes, keys});
  for (int r = 0; r < existing.rows(); ++r) {
    recorded[{existing.str(r, 0), existing.str(r, 1)}] = {existing.str(r, 2), existing.opt(r, 3), existing.opt(r, 4)};
  }
  if (claimed && recorded.size() != taken.size()) {
    // A key we collided with was released by a refused request meanwhile: run the batch again.
    throw pg::Error(pg::ErrorKind::kRetryable, "", "idempotency key released concurrently");
  }
  return recorded;
}

pg::Statement release_idempotency_keys(const std::vector<ScopedKey>& keys) {
  const auto [scopes, names] = key_arrays(keys);
  return {kReleaseKeys, {scopes, names}};
}

}  // namespace wallet
