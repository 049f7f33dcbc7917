#include "core/batch_targets.hpp"

#include "core/ids.hpp"
#include "core/idempotency.hpp"
#include "core/pg/array.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

// With the owner of each one's sender. Only a batch holding the locks of a pending transfer's
// accounts changes it, so the read under those locks is its state until the commit.
const std::string kSelectTransfers = std::string("SELECT ") + rows::kPendingTransferColumns +
                                     ", w.user_id FROM pending_transfers p "
                                     "JOIN wallets w ON w.id = p.source_wallet_id WHERE p.id = ANY($1::uuid[])";
constexpr int kOwnerColumn = rows::kPendingTransferColumnCount;
constexpr const char* kSelectKeyTargets =
    "SELECT i.scope, i.key, i.transfer_id, i.transaction_id FROM idempotency_keys i "
    "JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON i.scope = k.scope AND i.key = k.key";

bool is_reversal(const ResolvedOperation& r) { return r.op->kind == OperationKind::kReversal; }

}  // namespace

void BatchTargets::find(pg::Connection& conn, const std::vector<ResolvedOperation*>& batch) {
  bool any = false;
  for (auto* r : batch) {
    if (r->op->kind == OperationKind::kPendingTransfer) r->transfer_id = new_uuid();
    any = any || names_target(*r->op);
  }
  if (!any) return;
  find_keys(conn, batch);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& r = *batch[i];
    if (r.op->target) r.target_id = *r.op->target;
    if (acts_on_transfer(r.op->kind)) r.transfer_id = r.target_id;
    if (r.target_id.empty() || opened_in_batch_.count(i)) continue;
    (is_reversal(r) ? original_ids_ : transfer_ids_).push_back(r.target_id);
  }
}

void BatchTargets::take_first_read(const std::vector<pg::Result>& results, std::size_t first) {
  rows_ = decode_rows(results, first);
}

// A key names the pending transfer an earlier operation of this batch opens with it, else the
// row its committed request made. A key that names nothing leaves the target empty (refused
// by resolve()).
void BatchTargets::find_keys(pg::Connection& conn, const std::vector<ResolvedOperation*>& batch) {
  std::map<ScopedKey, std::size_t> opened;
  std::vector<std::string> scopes, keys;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Operation& op = *batch[i]->op;
    if (op.kind == OperationKind::kPendingTransfer && op.idempotency_key) {
      opened.emplace(ScopedKey{op.key_scope, *op.idempotency_key}, i);
    }
    if (!op.target_key) continue;
    auto it = opened.find({op.key_scope, *op.target_key});
    if (it != opened.end() && !is_reversal(*batch[i])) {
      opened_in_batch_[i] = it->second;
      batch[i]->target_id = batch[it->second]->transfer_id;
    } else {
      scopes.push_back(op.key_scope);
      keys.push_back(*op.target_key);
    }
  }
  if (keys.empty()) return;
  auto found = conn.exec(kSelectKeyTargets, {pg::text_array(scopes), pg::text_array(keys)});
  std::map<ScopedKey, std::pair<std::string, std::string>> by_key;  // transfer id, transaction id
  for (int r = 0; r < found.rows(); ++r) {
    by_key[{found.str(r, 0), found.str(r, 1)}] = {found.opt(r, 2).value_or(""), found.opt(r, 3).value_or("")};
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& r = *batch[i];
    if (!r.op->target_key || opened_in_batch_.count(i)) continue;
    auto it = by_key.find({r.op->key_scope, *r.op->target_key});
    if (it != by_key.end()) r.target_id = is_reversal(r) ? it->second.second : it->second.first;
  }
}

void BatchTargets::resolve(ResolvedOperation& r, std::size_t index, const std::vector<ResolvedOperation*>& batch) const {
  const Operation& op = *r.op;
  const std::string named = op.target ? *op.target : "with key '" + op.target_key.value_or("") + "'";
  if (is_reversal(r)) {
    if (op.acting_user) throw DomainError(ErrorCode::kForbidden, "a key bound to a user may not reverse");
    auto it = rows_.originals.find(r.target_id);
    if (it == rows_.originals.end()) throw DomainError(ErrorCode::kTransactionNotFound, "no transaction " + named);
    r.wallet_id = it->second.destination_wallet_id;
    r.to_wallet_id = it->second.source_wallet_id;
    r.currency = it->second.currency;
    return;
  }
  if (auto opener = opened_in_batch_.find(index); opener != opened_in_batch_.end()) {
    const auto& o = *batch[opener->second];
    if (o.wallet_id.empty()) throw DomainError(ErrorCode::kTransferNotFound, "no transfer " + named);
    r.wallet_id = o.wallet_id;
    r.to_wallet_id = o.to_wallet_id;
    r.currency = o.currency;
    return;
  }
  auto it = rows_.transfers.find(r.target_id);
  const bool foreign = it != rows_.transfers.end() && op.acting_user && rows_.sender_owner.at(it->first) != *op.acting_user;
  if (it == rows_.transfers.end() || foreign) throw DomainError(ErrorCode::kTransferNotFound, "no transfer " + named);
  r.wallet_id = it->second.source_wallet_id;
  r.to_wallet_id = it->second.destination_wallet_id;
  r.currency = it->second.currency;
}

// The originals are read again under the locks of both legs' accounts, so the sum of their
// reversals is final.
// Only the kinds of row the batch names are read: a capture batch sends no reversal query.
std::vector<pg::Statement> BatchTargets::reads() const {
  std::vector<pg::Statement> out;
  if (!transfer_ids_.empty()) out.push_back({kSelectTransfers.c_str(), {pg::text_array(transfer_ids_)}});
  if (!original_ids_.empty()) out.push_back({rows::kTransactionsByIds.c_str(), {pg::text_array(original_ids_)}});
  return out;
}

PostingTargets BatchTargets::decode(const std::vector<pg::Result>& results, std::size_t first) const {
  auto rows = decode_rows(results, first);
  return {std::move(rows.transfers), std::move(rows.originals)};
}

BatchTargets::Rows BatchTargets::decode_rows(const std::vector<pg::Result>& results, std::size_t first) const {
  Rows out;
  std::size_t next = first;
  if (!transfer_ids_.empty()) {
    const auto& transfers = results.at(next++);
    for (int r = 0; r < transfers.rows(); ++r) {
      auto t = rows::pending_transfer(transfers, r);
      out.sender_owner[t.id] = transfers.str(r, kOwnerColumn);
      out.transfers.emplace(t.id, std::move(t));
    }
  }
  if (!original_ids_.empty()) {
    const auto& originals = results.at(next);
    for (int r = 0; r < originals.rows(); ++r) {
      auto t = rows::transaction(originals, r);
      out.originals.emplace(t.id, std::move(t));
    }
  }
  return out;
}

}  // namespace wallet
