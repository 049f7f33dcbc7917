#include "core/replay_lanes.hpp"

#include <numeric>
#include <string>
#include <unordered_map>

namespace wallet {
namespace {

// Union-find over the operations of a batch: two operations that share a wallet or a key end
// in one group, and a group never splits across lanes.
class Groups {
 public:
  explicit Groups(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }

  std::size_t root(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }

  // Joins operation i with the first one that named `name` (in `first`).
  void join(std::unordered_map<std::string, std::size_t>& first, const std::string& name, std::size_t i) {
    auto [it, fresh] = first.emplace(name, i);
    if (!fresh) parent_[root(i)] = root(it->second);
  }

 private:
  std::vector<std::size_t> parent_;
};

bool runs_alone(const Operation& op) {
  return !op.wallet.wallet_id || op.target || op.target_key ||
         (op.kind != OperationKind::kCharge && op.kind != OperationKind::kWithdrawal &&
          op.kind != OperationKind::kTransfer && op.kind != OperationKind::kPendingTransfer);
}

bool moves_system_accounts(const Operation& op) {
  return op.kind == OperationKind::kCharge || op.kind == OperationKind::kWithdrawal;
}

}  // namespace

std::optional<ReplayLanes> split_into_lanes(const std::vector<Operation>& ops, std::size_t min_lane) {
  Groups groups(ops.size());
  std::unordered_map<std::string, std::size_t> by_wallet, by_key;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    if (runs_alone(op)) return std::nullopt;
    groups.join(by_wallet, *op.wallet.wallet_id, i);
    if (op.to_wallet_id) groups.join(by_wallet, *op.to_wallet_id, i);
    // The scope's length, the scope and the key name one key, whatever characters they hold.
    if (op.idempotency_key) {
      groups.join(by_key, std::to_string(op.key_scope.size()) + ':' + op.key_scope + *op.idempotency_key, i);
    }
  }
  std::vector<bool> system_group(ops.size(), false);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (moves_system_accounts(ops[i])) system_group[groups.root(i)] = true;
  }
  ReplayLanes lanes;
  for (std::size_t i = 0; i < ops.size(); ++i) (system_group[groups.root(i)] ? lanes.system : lanes.plain).push_back(i);
  if (lanes.system.size() < min_lane || lanes.plain.size() < min_lane) return std::nullopt;
  return lanes;
}

}  // namespace wallet
