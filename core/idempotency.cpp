#include "core/idempotency.hpp"

#include <set>

#include "core/pg/array.hpp"

namespace wallet {
namespace {

constexpr const char* kClaimKeys =
    "INSERT INTO idempotency_keys (scope, key, request_hash, transaction_id, withdrawal_id, transfer_id) "
    "SELECT k.scope, k.key, k.hash, k.tx, k.wd, k.tf FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], "
    "$5::uuid[], $6::uuid[]) AS k(scope, key, hash, tx, wd, tf) ORDER BY k.scope, k.key "
    "ON CONFLICT (scope, key) DO NOTHING RETURNING scope, key";
constexpr const char* kSelectKeys =
    "SELECT i.scope, i.key, i.request_hash, i.transaction_id, i.withdrawal_id, i.transfer_id FROM idempotency_keys i "
    "JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON i.scope = k.scope AND i.key = k.key";
constexpr const char* kReleaseKeys =
    "DELETE FROM idempotency_keys i USING unnest($1::text[], $2::text[]) AS k(scope, key) "
    "WHERE i.scope = k.scope AND i.key = k.key";

// An id as an array element: empty is NULL.
std::optional<std::string> id_or_null(const std::string& id) {
  return id.empty() ? std::nullopt : std::optional(id);
}

// The scopes and the keys as two parallel arrays.
std::pair<pg::Param, pg::Param> key_arrays(const std::vector<ScopedKey>& keys) {
  std::vector<std::string> scopes, names;
  for (const auto& [scope, key] : keys) {
    scopes.push_back(scope);
    names.push_back(key);
  }
  return {pg::text_array(scopes), pg::text_array(names)};
}

}  // namespace

void BatchKeys::add(const Operation& op, const CreatedIds& ids) {
  Slot s;
  s.op = &op;
  if (op.idempotency_key) {
    s.hash = op.request_hash();
    const ScopedKey key{op.key_scope, *op.idempotency_key};
    auto [it, inserted] = first_with_key_.emplace(key, slots_.size());
    if (inserted) {
      claims_.push_back({key, s.hash, ids});
    } else {
      s.verdict = KeyVerdict::repeat(it->second);
    }
  }
  slots_.push_back(std::move(s));
}

void BatchKeys::send_claims() {
  if (claims_.empty() || validating_) return;
  std::vector<ScopedKey> keys;
  std::vector<std::string> hashes;
  std::vector<std::optional<std::string>> txs, wds, tfs;
  for (const auto& c : claims_) {
    keys.push_back(c.key);
    hashes.push_back(c.request_hash);
    txs.push_back(id_or_null(c.ids.transaction_id));
    wds.push_back(id_or_null(c.ids.withdrawal_id));
    tfs.push_back(id_or_null(c.ids.transfer_id));
  }
  auto [scopes, names] = key_arrays(keys);
  conn_.defer({kClaimKeys,
               {std::move(scopes), std::move(names), pg::text_array(hashes), pg::text_array(txs), pg::text_array(wds),
                pg::text_array(tfs)}},
              true);
}

void BatchKeys::settle() {
  if (claims_.empty()) return;
  std::optional<pg::Result> claimed;
  if (!validating_) {
    conn_.pipeline({});  // sends the claim if the lookup did not (nothing to look up)
    claimed = std::move(conn_.take_deferred().at(0));
  }
  const auto earlier = recorded(claimed ? &*claimed : nullptr);
  // Every request whose key was recorded earlier is compared with that record, wherever it
  // stands in the batch; only keys new to the ledger make a later repeat copy the first.
  for (auto& s : slots_) {
    if (!s.op->idempotency_key) continue;
    const ScopedKey key{s.op->key_scope, *s.op->idempotency_key};
    auto it = earlier.find(key);
    if (it != earlier.end()) {
      s.verdict = it->second.request_hash != s.hash ? KeyVerdict::conflict() : KeyVerdict::replay(it->second.ids);
    } else if (s.verdict.kind == KeyVerdict::Kind::kRepeat) {
      if (slots_[s.verdict.first].hash != s.hash) s.verdict = KeyVerdict::conflict();
    } else {
      s.claimed = !validating_;
    }
  }
}

std::map<ScopedKey, BatchKeys::Recorded> BatchKeys::recorded(const pg::Result* claimed) const {
  std::map<ScopedKey, Recorded> out;
  std::vector<ScopedKey> taken;
  for (const auto& c : claims_) taken.push_back(c.key);
  if (claimed) {
    std::set<ScopedKey> mine;
    for (int r = 0; r < claimed->rows(); ++r) mine.emplace(claimed->str(r, 0), claimed->str(r, 1));
    std::erase_if(taken, [&](const ScopedKey& k) { return mine.count(k) > 0; });
  }
  if (taken.empty()) return out;
  const auto [scopes, keys] = key_arrays(taken);
  auto existing = conn_.exec(kSelectKeys, {scopes, keys});
  for (int r = 0; r < existing.rows(); ++r) {
    out[{existing.str(r, 0), existing.str(r, 1)}] = {
        existing.str(r, 2),
        {existing.opt(r, 3).value_or(""), existing.opt(r, 4).value_or(""), existing.opt(r, 5).value_or("")}};
  }
  if (claimed && out.size() != taken.size()) {
    // A key we collided with was released by a refused request meanwhile: run the batch again.
    throw pg::Error(pg::ErrorKind::kRetryable, "", "idempotency key released concurrently");
  }
  return out;
}

std::optional<pg::Statement> BatchKeys::release_refused(const std::vector<bool>& succeeded) const {
  std::vector<ScopedKey> keys;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].claimed && !succeeded.at(i))
      keys.emplace_back(slots_[i].op->key_scope, *slots_[i].op->idempotency_key);
  }
  if (keys.empty()) return std::nullopt;
  const auto [scopes, names] = key_arrays(keys);
  return pg::Statement{kReleaseKeys, {scopes, names}};
}

DomainError idempotency_conflict(const Operation& op) { return idempotency_conflict(*op.idempotency_key); }

DomainError idempotency_conflict(const std::string& key) {
  return DomainError(ErrorCode::kIdempotencyConflict, "idempotency key '" + key + "' was used for a different request");
}

}  // namespace wallet
