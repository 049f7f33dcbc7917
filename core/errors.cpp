#include "core/errors.hpp"

#include <array>

namespace wallet {
namespace {

using enum ErrorCode;
using C = ErrorClass;

constexpr std::array kErrors = {
    ErrorInfo{kInvalidInput, "invalid_input", C::kInvalidInput, 400, "Invalid input"},
    ErrorInfo{kInvalidAmount, "invalid_amount", C::kInvalidInput, 400, "Invalid amount"},
    ErrorInfo{kInvalidCurrency, "invalid_currency", C::kInvalidInput, 400, "Invalid currency"},
    ErrorInfo{kInvalidUserId, "invalid_user_id", C::kInvalidInput, 400, "Invalid user id"},
    ErrorInfo{kInvalidWalletId, "invalid_wallet_id", C::kInvalidInput, 400, "Invalid wallet id"},
    ErrorInfo{kInvalidWithdrawalId, "invalid_withdrawal_id", C::kInvalidInput, 400, "Invalid withdrawal id"},
    ErrorInfo{kInvalidIdempotencyKey, "invalid_idempotency_key", C::kInvalidInput, 400, "Invalid idempotency key"},
    ErrorInfo{kInvalidReleaseAt, "invalid_release_at", C::kInvalidInput, 400, "Invalid release time"},
    ErrorInfo{kInvalidReference, "invalid_reference", C::kInvalidInput, 400, "Invalid reference"},
    ErrorInfo{kInvalidExpiresAt, "invalid_expires_at", C::kInvalidInput, 400, "Invalid expiry time"},
    ErrorInfo{kInvalidReason, "invalid_reason", C::kInvalidInput, 400, "Invalid reason"},
    ErrorInfo{kInvalidMetadata, "invalid_metadata", C::kInvalidInput, 400, "Invalid metadata"},
    ErrorInfo{kInvalidAt, "invalid_at", C::kInvalidInput, 400, "Invalid point in time"},
    ErrorInfo{kInvalidTransferId, "invalid_transfer_id", C::kInvalidInput, 400, "Invalid transfer id"},
    ErrorInfo{kInvalidTransactionId, "invalid_transaction_id", C::kInvalidInput, 400, "Invalid transaction id"},
    ErrorInfo{kInvalidCursor, "invalid_cursor", C::kInvalidInput, 400, "Invalid cursor"},
    ErrorInfo{kInvalidLimit, "invalid_limit", C::kInvalidInput, 400, "Invalid limit"},
    ErrorInfo{kInvalidConfig, "invalid_config", C::kInvalidInput, 400, "Invalid configuration"},
    ErrorInfo{kInvalidJson, "invalid_json", C::kInvalidInput, 400, "Malformed JSON body"},
    ErrorInfo{kUnknownField, "unknown_field", C::kInvalidInput, 400, "Unknown field"},
    ErrorInfo{kMissingField, "missing_field", C::kInvalidInput, 400, "Missing field"},
    ErrorInfo{kInvalidRequest, "invalid_request", C::kInvalidInput, 400, "Malformed request"},
    ErrorInfo{kWalletNotFound, "wallet_not_found", C::kNotFound, 404, "Wallet not found"},
    ErrorInfo{kWithdrawalNotFound, "withdrawal_not_found", C::kNotFound, 404, "Withdrawal not found"},
    ErrorInfo{kTransferNotFound, "transfer_not_found", C::kNotFound, 404, "Transfer not found"},
    ErrorInfo{kTransactionNotFound, "transaction_not_found", C::kNotFound, 404, "Transaction not found"},
    ErrorInfo{kNotFound, "not_found", C::kNotFound, 404, "No such resource"},
    ErrorInfo{kMethodNotAllowed, "method_not_allowed", C::kInvalidInput, 405, "Method not allowed"},
    ErrorInfo{kPayloadTooLarge, "payload_too_large", C::kInvalidInput, 413, "Request body too large"},
    ErrorInfo{kUriTooLong, "uri_too_long", C::kInvalidInput, 414, "Request URI too long"},
    ErrorInfo{kHeadersTooLarge, "headers_too_large", C::kInvalidInput, 431, "Request headers too large"},
    ErrorInfo{kUnsupportedMediaType, "unsupported_media_type", C::kInvalidInput, 415, "Unsupported media type"},
    ErrorInfo{kInsufficientFunds, "insufficient_funds", C::kRefused, 422, "Insufficient funds"},
    ErrorInfo{kAtInFuture, "at_in_future", C::kRefused, 422, "Point in time is in the future"},
    ErrorInfo{kLimitBelowDebt, "limit_below_debt", C::kRefused, 422, "Overdraft limit below the wallet's debt"},
    ErrorInfo{kSameWallet, "same_wallet", C::kRefused, 422, "Source and destination are the same"},
    ErrorInfo{kCurrencyMismatch, "currency_mismatch", C::kRefused, 422, "Currency mismatch"},
    ErrorInfo{kIdempotencyConflict, "idempotency_conflict", C::kConflict, 409,
              "Idempotency key reused with a different request"},
    ErrorInfo{kWalletExists, "wallet_exists", C::kConflict, 409, "Wallet already exists"},
    ErrorInfo{kWalletFrozen, "wallet_frozen", C::kConflict, 409, "Wallet is frozen"},
    ErrorInfo{kWalletNotFrozen, "wallet_not_frozen", C::kConflict, 409, "Wallet is not frozen"},
    ErrorInfo{kWithdrawalNotInReview, "withdrawal_not_in_review", C::kConflict, 409,
              "Withdrawal is not waiting for review"},
    ErrorInfo{kTransferNotPending, "transfer_not_pending", C::kConflict, 409, "Transfer is not pending"},
    ErrorInfo{kCaptureExceedsPending, "capture_exceeds_pending", C::kRefused, 422,
              "Capture is more than the pending amount"},
    ErrorInfo{kTransactionNotReversible, "transaction_not_reversible", C::kConflict, 409,
              "This kind of transaction cannot be reversed"},
    ErrorInfo{kReversalExceedsOriginal, "reversal_exceeds_original", C::kRefused, 422,
              "Reversals would exceed the original amount"},
    ErrorInfo{kBalanceOverflow, "balance_overflow", C::kRefused, 422, "Balance would exceed the representable range"},
    ErrorInfo{kBatchTooLarge, "batch_too_large", C::kInvalidInput, 400, "Too many operations in one batch"},
    ErrorInfo{kBatchAborted, "batch_aborted", C::kRefused, 424,
              "Not applied: another operation of the atomic batch was refused"},
    ErrorInfo{kMigrationChanged, "migration_changed", C::kConflict, 409, "An applied migration was changed"},
    ErrorInfo{kApiKeyNotFound, "api_key_not_found", C::kNotFound, 404, "API key not found"},
    ErrorInfo{kUnauthorized, "unauthorized", C::kRefused, 401, "Missing or invalid credentials"},
    ErrorInfo{kForbidden, "forbidden", C::kRefused, 403, "Not allowed for this API key"},
    ErrorInfo{kRateLimited, "rate_limited", C::kRefused, 429, "Too many requests"},
    ErrorInfo{kUnavailable, "unavailable", C::kUnavailable, 503, "Service unavailable"},
    ErrorInfo{kOutcomeUnknown, "outcome_unknown", C::kUnavailable, 503,
              "Outcome unknown: retry with the same Idempotency-Key"},
    ErrorInfo{kInternal, "internal", C::kInternal, 500, "Internal error"},
};

}  // namespace

const ErrorInfo& error_info(ErrorCode code) {
  for (const auto& info : kErrors) {
    if (info.code == code) return info;
  }
  return kErrors.back();
}

}  // namespace wallet
