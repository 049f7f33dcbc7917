// Idempotency keys of a batch: claimed in the same database transaction as their effect, in
// (scope, key) order so that two batches never wait on each other's keys in a cycle. One home
// for the policy: which request replays, which conflicts, which repeats another of its batch,
// and which keys go back when their operation is refused.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/operations.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// An idempotency key in its client's key space.
using ScopedKey = std::pair<std::string, std::string>;  // scope, key

/// The rows a request's key row points at: the transaction it created, the withdrawal it
/// recorded, the pending transfer it opened or closed (each empty when it has none).
struct CreatedIds {
  std::string transaction_id, withdrawal_id, transfer_id;
};

/// What the keys say of one operation of a batch before it is posted.
struct KeyVerdict {
  enum class Kind {
    kPost,      // no key, or a key new to the ledger: post it
    kRepeat,    // the same request as an earlier operation of this batch: copy that one's outcome
    kReplay,    // the same request as one committed earlier: answer what it created
    kConflict,  // a key used for a different request: refused
  };
  Kind kind = Kind::kPost;
  std::size_t first = 0;  // kRepeat: the earlier operation
  /// kReplay: what the earlier request created or acted on (empty when it had none).
  CreatedIds ids;
  bool decided() const { return kind != Kind::kPost; }

  static KeyVerdict repeat(std::size_t first) { return make(Kind::kRepeat, first, {}); }
  static KeyVerdict conflict() { return make(Kind::kConflict, 0, {}); }
  static KeyVerdict replay(CreatedIds ids) { return make(Kind::kReplay, 0, std::move(ids)); }

 private:
  static KeyVerdict make(Kind kind, std::size_t first, CreatedIds ids) {
    KeyVerdict v;
    v.kind = kind;
    v.first = first;
    v.ids = std::move(ids);
    return v;
  }
};

/// The keys of one attempt at a batch. Use: add() each operation in order, send_claims(), make
/// the round trip the claim travels with (the wallet lookup), settle(), then read verdict() and,
/// before the commit, send release_refused().
class BatchKeys {
 public:
  /// validating: look keys up without claiming them (a dry run).
  BatchKeys(pg::Connection& conn, bool validating) : conn_(conn), validating_(validating) {}

  /// The next operation, with the ids it will create or act on (its key row points at them).
  void add(const Operation& op, const CreatedIds& ids);
  /// Queues the claim of every key new to this batch (pg::Connection::defer): it shares the
  /// next round trip.
  void send_claims();
  /// Reads the claim's outcome: keys recorded earlier turn their operations into replays or
  /// conflicts. A claim that collided with a request still in flight waited for it, so two
  /// requests with one key never both take effect.
  void settle();

  const KeyVerdict& verdict(std::size_t i) const { return slots_.at(i).verdict; }
  /// The statement freeing the keys this attempt claimed for operations that did not succeed
  /// (succeeded[i] false: a refused request does not consume its key); none when there are none.
  std::optional<pg::Statement> release_refused(const std::vector<bool>& succeeded) const;

 private:
  struct Slot {
    const Operation* op = nullptr;
    std::string hash;
    KeyVerdict verdict;
    bool claimed = false;
  };
  struct Claim {
    ScopedKey key;
    std::string request_hash;
    CreatedIds ids;
  };
  struct Recorded {
    std::string request_hash;
    CreatedIds ids;
  };
  std::map<ScopedKey, Recorded> recorded(const pg::Result* claimed) const;

  pg::Connection& conn_;
  bool validating_;
  std::vector<Slot> slots_;
  std::vector<Claim> claims_;
  std::map<ScopedKey, std::size_t> first_with_key_;
};

/// The refusal of a key used for a different request.
DomainError idempotency_conflict(const Operation& op);
/// The same refusal for any request recorded under `key` (a wallet control of a replay file).
DomainError idempotency_conflict(const std::string& key);

}  // namespace wallet
