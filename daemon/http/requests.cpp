#include "daemon/http/requests.hpp"

#include "core/currency.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/timestamp.hpp"
#include "core/wallet_controls.hpp"
#include "daemon/http/json_body.hpp"

namespace wallet::daemon {
namespace {

using enum ErrorCode;

Money decode_amount(const JsonBody& body, const Settings& settings) {
  body.require("amount");
  return checked_amount(*body.integer("amount", kInvalidAmount), settings.ledger.max_amount);
}

std::string decode_wallet_id(const JsonBody& body, std::string_view field) {
  body.require(field);
  return parse_uuid(*body.string(field, kInvalidWalletId), field);
}

// The key, reference and currency fields every money-moving request shares.
void decode_common(const JsonBody& body, const std::optional<std::string>& header, Operation& op) {
  op.idempotency_key = header;
  if (auto key = body.string("idempotency_key", kInvalidIdempotencyKey)) {
    const auto parsed = parse_idempotency_key(*key);
    if (header && *header != parsed) {
      throw DomainError(kInvalidIdempotencyKey,
                        "the Idempotency-Key header and the idempotency_key field differ; send one, or both equal");
    }
    op.idempotency_key = parsed;
  }
  if (auto reference = body.string("reference", kInvalidReference)) op.reference = parse_reference(*reference);
  op.metadata = body.metadata();
}

// `wallet_id`, or `user_id` with an optional currency: which wallet a charge or withdrawal names.
void decode_wallet_ref(const JsonBody& body, Operation& op) {
  const bool by_wallet = body.has("wallet_id"), by_user = body.has("user_id");
  if (by_wallet && by_user) throw DomainError(kInvalidInput, "give wallet_id or user_id, not both");
  if (!by_wallet && !by_user) throw DomainError(kMissingField, "field 'wallet_id' or 'user_id' is required");
  if (by_wallet) {
    op.wallet.wallet_id = decode_wallet_id(body, "wallet_id");
  } else {
    op.wallet.user_id = parse_user_id(*body.string_or_integer("user_id", kInvalidUserId));
  }
  if (auto currency = body.string("currency", kInvalidCurrency)) op.currency = parse_currency(*currency);
}

// Capture, void and reversal bodies may be left out: no body is an empty object.
std::string_view object_or_empty(std::string_view text) { return text.empty() ? "{}" : text; }

}  // namespace

std::string parse_idempotency_header(std::string_view value) { return parse_idempotency_key(value); }

Money decode_overdraft_limit(std::string_view text, const Settings& settings) {
  const auto body = JsonBody::parse(text, {"overdraft_limit"});
  body.require("overdraft_limit");
  return parse_overdraft_limit(*body.integer("overdraft_limit", kInvalidAmount), settings.ledger.max_amount);
}

std::string decode_reason(std::string_view text) {
  const auto body = JsonBody::parse(text, {"reason"});
  body.require("reason");
  return parse_reason(*body.string("reason", kInvalidReason), kInvalidReason);
}

CreateWalletRequest decode_create_wallet(std::string_view text, const Settings& settings) {
  const auto body = JsonBody::parse(text, {"user_id", "currency", kMetadataField});
  body.require("user_id");
  CreateWalletRequest out;
  out.user_id = parse_user_id(*body.string_or_integer("user_id", kInvalidUserId));
  out.currency = parse_currency(body.string("currency", kInvalidCurrency).value_or(settings.ledger.default_currency));
  out.metadata = body.metadata();
  return out;
}

namespace {

// The fields of each money-moving body, in one place for its route and for a batch operation.
constexpr std::string_view kChargeFields[] = {"wallet_id",       "user_id",   "amount",      "currency", "release_at",
                                              "idempotency_key", "reference", kMetadataField};
constexpr std::string_view kWithdrawFields[] = {"wallet_id",       "user_id",   "amount",     "currency",
                                                "idempotency_key", "reference", kMetadataField};
constexpr std::string_view kTransferFields[] = {"sender_id", "receiver_id",  "amount",  "idempotency_key",
                                                "reference", kMetadataField, "pending", "expires_at"};
constexpr std::string_view kCaptureFields[] = {"amount", "idempotency_key", "reference", kMetadataField};
constexpr std::string_view kVoidFields[] = {"idempotency_key", "reference", kMetadataField};
constexpr std::string_view kReversalFields[] = {"amount", "reason", "idempotency_key", "reference", kMetadataField};

Operation charge_from(const JsonBody& body, const std::optional<std::string>& header, const Settings& settings) {
  Operation op;
  op.kind = OperationKind::kCharge;
  decode_wallet_ref(body, op);
  op.amount = decode_amount(body, settings);
  if (auto release_at = body.string("release_at", kInvalidReleaseAt)) op.release_at = parse_rfc3339(*release_at);
  decode_common(body, header, op);
  return op;
}

Operation withdraw_from(const JsonBody& body, const std::optional<std::string>& header, const Settings& settings) {
  Operation op;
  op.kind = OperationKind::kWithdrawal;
  decode_wallet_ref(body, op);
  op.amount = decode_amount(body, settings);
  decode_common(body, header, op);
  return op;
}

// `pending`: the request is a pending transfer whatever its own `pending` field says (a batch's
// "pending" operation); otherwise the field decides.
Operation transfer_from(const JsonBody& body, const std::optional<std::string>& header, const Settings& settings,
                        bool pending_by_op = false) {
  Operation op;
  const bool field = body.boolean("pending", kInvalidInput).value_or(false);
  if (pending_by_op && body.has("pending") && !field) {
    throw DomainError(kInvalidInput, "a pending operation is a pending transfer: leave pending out or true");
  }
  const bool pending = pending_by_op || field;
  op.kind = pending ? OperationKind::kPendingTransfer : OperationKind::kTransfer;
  op.wallet.wallet_id = decode_wallet_id(body, "sender_id");
  op.to_wallet_id = decode_wallet_id(body, "receiver_id");
  op.amount = decode_amount(body, settings);
  if (auto expires_at = body.string("expires_at", kInvalidExpiresAt)) {
    if (!pending) throw DomainError(kInvalidExpiresAt, "expires_at applies to a pending transfer only");
    op.expires_at = parse_rfc3339(*expires_at, kInvalidExpiresAt);
  }
  decode_common(body, header, op);
  return op;
}

Operation transfer_action_from(OperationKind kind, std::string_view transfer_id, const JsonBody& body,
                               const std::optional<std::string>& header, const Settings& settings) {
  Operation op;
  op.kind = kind;
  op.target = parse_uuid(transfer_id, "transfer id", kInvalidTransferId);
  if (body.has("amount")) op.amount = decode_amount(body, settings);  // none: all that is pending
  decode_common(body, header, op);
  return op;
}

Operation reversal_from(std::string_view transaction_id, const JsonBody& body, const std::optional<std::string>& header,
                        const Settings& settings) {
  Operation op;
  op.kind = OperationKind::kReversal;
  op.target = parse_uuid(transaction_id, "transaction id", kInvalidTransactionId);
  if (body.has("amount")) op.amount = decode_amount(body, settings);  // none: all not yet reversed
  if (auto reason = body.string("reason", kInvalidReason)) op.reason = parse_reason(*reason, kInvalidReason);
  decode_common(body, header, op);
  return op;
}

// A batch operation's path parameter, given as a field.
std::string id_field(const JsonBody& body, std::string_view field) {
  body.require(field);
  return *body.string(field, field == "transfer_id" ? kInvalidTransferId : kInvalidTransactionId);
}

}  // namespace

Operation decode_charge(std::string_view text, const std::optional<std::string>& header, const Settings& settings) {
  return charge_from(JsonBody::parse(text, kChargeFields), header, settings);
}

Operation decode_withdraw(std::string_view text, const std::optional<std::string>& header, const Settings& settings) {
  return withdraw_from(JsonBody::parse(text, kWithdrawFields), header, settings);
}

Operation decode_transfer(std::string_view text, const std::optional<std::string>& header, const Settings& settings) {
  return transfer_from(JsonBody::parse(text, kTransferFields), header, settings);
}

Operation decode_transfer_action(OperationKind kind, std::string_view transfer_id, std::string_view text,
                                 const std::optional<std::string>& header, const Settings& settings) {
  const auto body = JsonBody::parse(object_or_empty(text),
                                    kind == OperationKind::kCapture ? std::span<const std::string_view>(kCaptureFields)
                                                                    : std::span<const std::string_view>(kVoidFields));
  return transfer_action_from(kind, transfer_id, body, header, settings);
}

Operation decode_reversal(std::string_view transaction_id, std::string_view text,
                          const std::optional<std::string>& header, const Settings& settings) {
  return reversal_from(transaction_id, JsonBody::parse(object_or_empty(text), kReversalFields), header, settings);
}

Operation decode_batch_operation(const JsonBody& body, const Settings& settings) {
  body.require("op");
  const auto name = *body.string("op", kInvalidInput);
  const std::optional<std::string> no_header;
  // Every operation of a batch carries its key: a batch sent again must apply nothing twice.
  const auto keyed = [&](std::span<const std::string_view> fields, std::span<const std::string_view> also) {
    body.allow_only(fields, also);
    body.require("idempotency_key");
  };
  constexpr std::string_view kOp[] = {"op"};
  constexpr std::string_view kOpAndTransfer[] = {"op", "transfer_id"};
  constexpr std::string_view kOpAndTransaction[] = {"op", "transaction_id"};
  if (name == "charge") {
    keyed(kChargeFields, kOp);
    return charge_from(body, no_header, settings);
  }
  if (name == "withdraw") {
    keyed(kWithdrawFields, kOp);
    return withdraw_from(body, no_header, settings);
  }
  if (name == "transfer" || name == "pending") {
    keyed(kTransferFields, kOp);
    return transfer_from(body, no_header, settings, name == "pending");
  }
  if (name == "capture" || name == "void") {
    const auto kind = name == "capture" ? OperationKind::kCapture : OperationKind::kVoid;
    keyed(kind == OperationKind::kCapture ? std::span<const std::string_view>(kCaptureFields)
                                          : std::span<const std::string_view>(kVoidFields),
          kOpAndTransfer);
    return transfer_action_from(kind, id_field(body, "transfer_id"), body, no_header, settings);
  }
  if (name == "reversal") {
    keyed(kReversalFields, kOpAndTransaction);
    return reversal_from(id_field(body, "transaction_id"), body, no_header, settings);
  }
  throw DomainError(kInvalidInput, "op must be one of charge, withdraw, transfer, pending, capture, void, reversal; got '" +
                                       name.substr(0, 32) + "'");
}

}  // namespace wallet::daemon
