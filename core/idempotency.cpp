#include "core/idempotency.hpp"

#include "core/pg/array.hpp"

namespace wallet {
namespace {

constexpr const char* kClaimKeys =
    "INSERT INTO idempotency_keys (scope, key, request_hash, transaction_id, withdrawal_id) "
    "SELECT $1, k.key, k.hash, k.tx, k.wd FROM unnest($2::text[], $3::text[], $4::uuid[], $5::uuid[]) "
    "AS k(key, hash, tx, wd) ORDER BY k.key "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING key";
constexpr const char* kSelectKeys =
    "SELECT key, request_hash, transaction_id, withdrawal_id FROM idempotency_keys "
    "WHERE scope = $1 AND key = ANY($2::text[])";
constexpr const char* kReleaseKeys = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = ANY($2::text[])";

}  // namespace

std::map<std::string, RecordedKey> claim_idempotency_keys(pg::Connection& conn, const std::string& scope,
                                                          const std::vector<KeyClaim>& claims, bool record) {
  std::map<std::string, RecordedKey> recorded;
  if (claims.empty()) return recorded;
  std::vector<std::string> keys, hashes;
  std::vector<std::optional<std::string>> txs, wds;
  for (const auto& c : claims) {
    keys.push_back(c.key);
    hashes.push_back(c.request_hash);
    txs.emplace_back(c.transaction_id);
    wds.push_back(c.withdrawal_id);
  }
  std::vector<std::string> taken = keys;
  if (record) {
    auto claimed = conn.exec(
        kClaimKeys, {scope, pg::text_array(keys), pg::text_array(hashes), pg::text_array(txs), pg::text_array(wds)});
    std::map<std::string, bool> mine;
    for (int r = 0; r < claimed.rows(); ++r) mine[claimed.str(r, 0)] = true;
    std::erase_if(taken, [&](const std::string& k) { return mine.count(k) > 0; });
    if (taken.empty()) return recorded;
  }
  auto existing = conn.exec(kSelectKeys, {scope, pg::text_array(taken)});
  for (int r = 0; r < existing.rows(); ++r) {
    recorded[existing.str(r, 0)] = {existing.str(r, 1), existing.opt(r, 2), existing.opt(r, 3)};
  }
  if (record && recorded.size() != taken.size()) {
    // A key we collided with was released by a refused request meanwhile: run the batch again.
    throw pg::Error(pg::ErrorKind::kRetryable, "", "idempotency key released concurrently");
  }
  return recorded;
}

pg::Statement release_idempotency_keys(const std::string& scope, const std::vector<std::string>& keys) {
  return {kReleaseKeys, {scope, pg::text_array(keys)}};
}

}  // namespace wallet
