// The API's request bodies decoded into core requests: every field validated by the core's
// parsers, so the handlers only call the core and encode what it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/operations.hpp"

namespace wallet::daemon {

class JsonBody;

struct CreateWalletRequest {
  std::string user_id;
  std::string currency;
  Metadata metadata;
};

/// `PATCH /wallets/{id}`: {overdraft_limit}, 0 to ledger.max_amount.
Money decode_overdraft_limit(std::string_view text, const Settings& settings);

/// `POST /wallets/{id}/freeze` and `/unfreeze`: {reason}, 1 to 500 bytes of printable UTF-8.
std::string decode_reason(std::string_view text);

/// `POST /wallets`: {user_id, currency?, metadata?}.
CreateWalletRequest decode_create_wallet(std::string_view body, const Settings& settings);

/// `POST /charge`, `POST /withdraw` and `POST /transfers`. `idempotency_header` is the
/// Idempotency-Key header when the request carried one; a body key that differs from it is
/// refused. Throws DomainError with the code of the first field that is wrong.
Operation decode_charge(std::string_view body, const std::optional<std::string>& idempotency_header,
                        const Settings& settings);
Operation decode_withdraw(std::string_view body, const std::optional<std::string>& idempotency_header,
                          const Settings& settings);
Operation decode_transfer(std::string_view body, const std::optional<std::string>& idempotency_header,
                          const Settings& settings);

/// `POST /transfers/{id}/capture` ({amount?, idempotency_key?, reference?}; no amount captures
/// all) and `/void` ({idempotency_key?, reference?}); an empty body is an empty object.
Operation decode_transfer_action(OperationKind kind, std::string_view transfer_id, std::string_view body,
                                 const std::optional<std::string>& idempotency_header, const Settings& settings);
/// `POST /transactions/{id}/reversals`: {amount?, reason?, idempotency_key?, reference?}; no
/// amount reverses all that is not yet reversed; an empty body is an empty object.
Operation decode_reversal(std::string_view transaction_id, std::string_view body,
                          const std::optional<std::string>& idempotency_header, const Settings& settings);

/// One operation of `POST /batches` (or a line of `walletctl batch`): the fields of its single
/// route plus `op` (charge, withdraw, transfer, pending, capture, void, reversal), the path's id
/// as `transfer_id` or `transaction_id`, and a required idempotency_key.
Operation decode_batch_operation(const JsonBody& body, const Settings& settings);

/// The Idempotency-Key header's value, validated.
std::string parse_idempotency_header(std::string_view value);

}  // namespace wallet::daemon
