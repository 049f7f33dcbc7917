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

enum class OperationKind { kCharge, kTransfer, kWithdrawal };

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
  Money amount;
  /// With a wallet id: the currency the caller expects (checked). With a user id: which of the
  /// user's wallets (default currency when absent).
  std::optional<std::string> currency;
  std::optional<Timestamp> release_at;  // charge only: held until then
  std::optional<std::string> idempotency_key;
  /// Whose key space the idempotency key lives in (one per API key; empty for the CLI and
  /// replay), so two clients' keys never collide.
  std::string key_scope;
  std::optional<std::string> reference;
  /// Set for a caller bound to one user (a user-bound API key): the wallet charged, withdrawn
  /// from or transferred from must be that user's, else the operation is refused as if the
  /// wallet did not exist (so ids cannot be probed). The destination of a transfer may be any.
  std::optional<std::string> acting_user;

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
  bool replayed = false;
  /// False for operations after the first refusal of a batch applied with kStopAtFirstError.
  bool attempted = true;
  bool ok() const { return attempted && !error.has_value(); }
};

}  // namespace wallet
