// Domain errors: the refusals a user can act on, each with a stable snake_case code that the
// CLI, the HTTP API and the CSV report all share.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace wallet {

enum class ErrorCode {
  kInvalidInput,  // a generic malformed value (used by parsers that are not field-specific)
  kInvalidAmount,
  kInvalidCurrency,
  kInvalidUserId,
  kInvalidWalletId,
  kInvalidWithdrawalId,
  kInvalidIdempotencyKey,
  kInvalidReleaseAt,
  kInvalidReference,
  kInvalidExpiresAt,
  kInvalidReason,
  kInvalidMetadata,
  kInvalidAt,
  kInvalidTransferId,
  kInvalidTransactionId,
  kInvalidCursor,
  kInvalidLimit,
  kInvalidConfig,
  kInvalidJson,
  kUnknownField,
  kMissingField,
  kInvalidRequest,  // malformed HTTP that the server library refused
  kWalletNotFound,
  kWithdrawalNotFound,
  kTransferNotFound,
  kTransactionNotFound,
  kNotFound,  // no such route
  kMethodNotAllowed,
  kPayloadTooLarge,
  kUriTooLong,
  kHeadersTooLarge,
  kUnsupportedMediaType,
  kInsufficientFunds,
  kLimitBelowDebt,
  kAtInFuture,
  kSameWallet,
  kCurrencyMismatch,
  kIdempotencyConflict,
  kWalletExists,
  kWalletFrozen,
  kWalletNotFrozen,
  kWithdrawalNotInReview,
  kTransferNotPending,       // captured, voided or expired already, or past its expires_at
  kCaptureExceedsPending,
  kTransactionNotReversible, // a withdrawal, payout, refund or reversal
  kReversalExceedsOriginal,
  kBalanceOverflow,
  kBatchTooLarge,  // more operations in one batch than http.max_batch_operations or the key's burst
  kBatchAborted,   // an atomic batch's operation not applied because another was refused
  kMigrationChanged,
  kApiKeyNotFound,
  kUnauthorized,  // no credentials, or ones that are not a live API key
  kForbidden,     // a live key whose scope does not allow the request
  kRateLimited,
  kUnavailable,
  kOutcomeUnknown,  // the commit's outcome is unknown: retry with the same idempotency key
  kInternal,
};

/// How a code is treated by its callers: the CLI maps it to an exit code, HTTP to a status.
enum class ErrorClass { kInvalidInput, kNotFound, kConflict, kRefused, kUnavailable, kInternal };

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;  // the stable snake_case code
  ErrorClass error_class;
  int http_status;
  std::string_view title;  // short, human, the same for every occurrence
};

/// The one table of codes: name, class, HTTP status and title.
const ErrorInfo& error_info(ErrorCode code);

/// A refusal with a stable code and a detail meant for the client (never SQL or secrets).
class DomainError : public std::runtime_error {
 public:
  DomainError(ErrorCode code, std::string detail) : std::runtime_error(std::move(detail)), code_(code) {}
  ErrorCode code() const { return code_; }
  std::string_view name() const { return error_info(code_).name; }
  std::string_view detail() const { return what(); }

 private:
  ErrorCode code_;
};

}  // namespace wallet
