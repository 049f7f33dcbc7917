// Requests that move money, as the write path takes them, and what each one produced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/model.hpp"
#include "core/money.hpp"
#include "core/timestamp.hpp"

namespace wallet {

enum class OperationKind {
  kCharge,
  kTransfer,
  kWithdrawal,
  kPendingTransfer,  // authorise: reserve the amount on the sender
  kCapture,          // post a pending transfer, in whole or part; the rest is released
  kVoid,             // release a pending transfer
  kExpire,           // release a pending transfer past its expires_at (the expiry sweep)
  kReversal,         // move a transaction's money back along its leg
};

/// Whether the operation writes a transaction (a capture always does: it captures above zero).
inline bool creates_transaction(OperationKind k) {
  return k != OperationKind::kPendingTransfer && k != OperationKind::kVoid && k != OperationKind::kExpire;
}

/// Whether the operation names an earlier pending transfer (Operation::target or target_key).
inline bool acts_on_transfer(OperationKind k) {
  return k == OperationKind::kCapture || k == OperationKind::kVoid || k == OperationKind::kExpire;
}

/// A wallet named by id, or as "the wallet of this user in this currency".
struct WalletRef {
  std::optional<std::string> wallet_id;  // a validated, lower-case UUID
  std::optional<std::string> user_id;    // used when wallet_id is absent
};

/// One request to move money. Its fields are already validated by the parsers (ids.hpp,
/// money.hpp, currency.hpp, timestamp.hpp); rules that need the database are checked by the
/// write path.
struct Operation {
  OperationKind kind = OperationKind::kCharge;
  WalletRef wallet;                         // charged, withdrawn from, or transfer source
  std::optional<std::string> to_wallet_id;  // transfer destination
  /// Capture and reversal: zero means "all that remains" (all that is pending, all that is not
  /// yet reversed); void and expire take no amount. Every other kind: the amount, above zero.
  Money amount;
  /// Capture, void and expire: the pending transfer's id; reversal: the transaction's id. The
  /// wallets come from it, so `wallet` is empty.
  std::optional<std::string> target;
  /// Instead of target (CSV replay): the idempotency key, in key_scope, of the request that
  /// opened the transfer or made the transaction.
  std::optional<std::string> target_key;
  std::optional<Timestamp> expires_at;  // pending transfer: when it is voided if not captured
  std::optional<std::string> reason;    // reversal: why
  /// With a wallet id: the currency the caller expects (checked). With a user id: which of the
  /// user's wallets (default currency when absent).
  std::optional<std::string> currency;
  std::optional<Timestamp> release_at;  // charge only: held until then
  std::optional<std::string> idempotency_key;
  /// Whose key space the idempotency key lives in (one per API key; empty for the CLI and
  /// replay), so two clients' keys never collide.
  std::string key_scope;
  std::optional<std::string> reference;
  /// The client's own pairs, kept with what the operation records (capture: its transaction
  /// takes the pending transfer's when none is given).
  Metadata metadata;
  /// Set for a caller bound to one user (a user-bound API key): the wallet charged, withdrawn
  /// from or transferred from must be that user's, else the operation is refused as if the
  /// wallet did not exist (so ids cannot be probed). The destination of a transfer may be any.
  std::optional<std::string> acting_user;
  /// Reversal: whether the caller may reverse a charge (an API key with the charge scope, or
  /// the CLI); a charge brought money in from outside, so giving it back is the same right.
  bool may_reverse_charges = true;

  /// A digest of everything that makes two requests "the same request" for idempotency.
  std::string request_hash() const;
};

const char* operation_kind_name(OperationKind kind);

/// The outcome of one operation of a batch: either an error, or the transaction it made (and
/// the withdrawal it recorded), possibly replayed from an earlier request with the same key.
struct OperationResult {
  std::optional<DomainError> error;
  std::optional<Transaction> transaction;
  std::optional<Withdrawal> withdrawal;
  std::optional<PendingTransfer> transfer;  // the pending transfer it opened or closed
  bool replayed = false;
  /// False for operations after the first refusal of a batch applied with kStopAtFirstError.
  bool attempted = true;
  bool ok() const { return attempted && !error.has_value(); }
  static OperationResult refused(DomainError why) {
    OperationResult r;
    r.error = std::move(why);
    return r;
  }
};

}  // namespace wallet
