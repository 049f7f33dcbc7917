// Splits one replay batch into two lanes that two connections can apply at once without
// changing what any row does: the lanes share no wallet and no idempotency key, and only one
// of them locks the system accounts (charges and withdrawals), so neither lane ever waits for
// the other and each row sees exactly the balances it would have seen in file order.
#pragma once

#include <optional>
#include <vector>

#include "core/operations.hpp"

namespace wallet {

struct ReplayLanes {
  /// Indexes into the batch, each lane in file order.
  std::vector<std::size_t> system;  // every group holding a charge or a withdrawal
  std::vector<std::size_t> plain;   // groups of transfers and pending transfers only
};

/// The two lanes, or nullopt when the batch must run as one: an operation names its wallet by
/// user (which wallet that is, or whether a charge creates it, is known only to the database),
/// or acts on an earlier row (capture, void, expire, reversal), or a lane would hold fewer
/// than `min_lane` operations (a second transaction would cost more than it saves).
std::optional<ReplayLanes> split_into_lanes(const std::vector<Operation>& ops, std::size_t min_lane);

}  // namespace wallet
