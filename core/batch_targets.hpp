// The rows the capture, void, expire and reversal operations of a batch act on. A row is named
// by id, or (CSV replay) by the idempotency key of the request that made it: a key committed
// earlier, or the key of a pending transfer an earlier operation of the same batch opens.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/pg/connection.hpp"
#include "core/posting.hpp"

namespace wallet {

/// Whether the operation acts on an earlier row (Operation::target or target_key).
inline bool names_target(const Operation& op) { return op.target.has_value() || op.target_key.has_value(); }

class BatchTargets {
 public:
  /// Before anything is claimed or locked: chooses the ids of the pending transfers the batch
  /// opens and finds the id each target names (ResolvedOperation::target_id, and transfer_id
  /// for capture, void and expire). `batch` is every operation of the batch in order. A round
  /// trip only when a target is named by a key.
  void find(pg::Connection& conn, const std::vector<ResolvedOperation*>& batch);

  /// The statements that read the targets (none when the batch names none): sent once with the
  /// wallet lookup, to learn which accounts to lock (take_first_read()), and again once they are
  /// locked (decode()). Their results start at `first` in a pipeline's results.
  std::vector<pg::Statement> reads() const;
  void take_first_read(const std::vector<pg::Result>& results, std::size_t first);

  /// Fills the wallets and currency of the operation at `index` from its target. Throws
  /// DomainError when it cannot: no such row, or a caller bound to a user acting on what is
  /// not its user's (not found, so ids cannot be probed), or reversing at all (forbidden).
  void resolve(ResolvedOperation& r, std::size_t index, const std::vector<ResolvedOperation*>& batch) const;

  /// The rows as the read under the locks found them.
  PostingTargets decode(const std::vector<pg::Result>& results, std::size_t first) const;

 private:
  struct Rows {
    std::map<std::string, PendingTransfer> transfers;
    std::map<std::string, std::string> sender_owner;  // transfer id -> user owning its sender
    std::map<std::string, Transaction> originals;
  };
  Rows decode_rows(const std::vector<pg::Result>& results, std::size_t first) const;
  void find_keys(pg::Connection& conn, const std::vector<ResolvedOperation*>& batch);

  std::vector<std::string> transfer_ids_, original_ids_;  // the targets that exist already
  std::map<std::size_t, std::size_t> opened_in_batch_;  // operation -> the earlier one opening its transfer
  Rows rows_;                                            // as first read, before the locks
};

}  // namespace wallet
