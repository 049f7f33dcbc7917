// The objects walletctl shows its users: wallets, transactions and withdrawals, shaped as the
// HTTP API and `--output json` return them. Every amount and balance is Money; every kind and
// status is an enum, named (name()) only where it leaves the program: SQL, JSON, text.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/metadata.hpp"
#include "core/money.hpp"

namespace wallet {

enum class TransactionKind { kCharge, kTransfer, kWithdrawal, kRefund, kPayout, kReversal };
enum class TransactionStatus { kCompleted };
enum class WithdrawalStatus { kPending, kProcessing, kNeedsReview, kCompleted, kFailed };
/// An operator's decision on a withdrawal whose payout was unknown.
enum class WithdrawalResolution { kPaid, kRefund };
/// Where a pending transfer stands: open, or closed by a capture, a void or its expiry.
enum class TransferState { kPending, kPosted, kVoided, kExpired };

/// The names of the values in the database, the API, events and the CLI.
std::string_view name(TransactionKind v);
std::string_view name(TransactionStatus v);
std::string_view name(WithdrawalStatus v);
std::string_view name(WithdrawalResolution v);
std::string_view name(TransferState v);

/// Writes the name (logs, tests).
inline std::ostream& operator<<(std::ostream& out, TransactionKind v) { return out << name(v); }
inline std::ostream& operator<<(std::ostream& out, TransactionStatus v) { return out << name(v); }
inline std::ostream& operator<<(std::ostream& out, WithdrawalStatus v) { return out << name(v); }
inline std::ostream& operator<<(std::ostream& out, WithdrawalResolution v) { return out << name(v); }
inline std::ostream& operator<<(std::ostream& out, TransferState v) { return out << name(v); }

/// The value of that name, or none. Defined for the five enums above.
template <class Enum>
std::optional<Enum> enum_named(std::string_view text);
template <>
std::optional<TransactionKind> enum_named(std::string_view text);
template <>
std::optional<TransactionStatus> enum_named(std::string_view text);
template <>
std::optional<WithdrawalStatus> enum_named(std::string_view text);
template <>
std::optional<WithdrawalResolution> enum_named(std::string_view text);
template <>
std::optional<TransferState> enum_named(std::string_view text);

/// nlohmann::json writes these enums by name (it would write their number otherwise); found
/// by argument-dependent lookup, so a `{"status", w.status}` can never leak a number.
template <class Json>
void to_json(Json& j, TransactionKind v) { j = std::string(name(v)); }
template <class Json>
void to_json(Json& j, TransactionStatus v) { j = std::string(name(v)); }
template <class Json>
void to_json(Json& j, WithdrawalStatus v) { j = std::string(name(v)); }
template <class Json>
void to_json(Json& j, WithdrawalResolution v) { j = std::string(name(v)); }
template <class Json>
void to_json(Json& j, TransferState v) { j = std::string(name(v)); }

/// The one rule of what a wallet may spend: its balance less its holds and pending transfers out.
inline Money spendable(Money balance, Money held, Money pending_out) {
  return must_fit(must_fit(balance.minus(held), "balance less holds").minus(pending_out),
                  "balance less holds and pending transfers");
}

struct Wallet {
  std::string id;
  std::string user_id;
  std::string currency;
  Money balance;
  Money held;         // funds of charges not yet released
  Money pending_out;  // reserved by pending transfers it sends
  Money pending_in;   // promised by pending transfers it receives (not spendable)
  std::int64_t version = 0;
  std::string created_at, updated_at;
  Metadata metadata;  // the client's own pairs, given when it was created
  /// Set while an operator has it frozen: every debit is refused, credits still arrive.
  std::optional<std::string> frozen_at, frozen_reason;
  /// How far below zero transfers may take `available` (withdrawals never draw on it).
  Money overdraft_limit;
  /// What may leave the wallet now: its balance less its holds and its pending transfers out.
  Money available() const { return spendable(balance, held, pending_out); }
};

/// A wallet as PostgreSQL had it, and how long until its next hold releases (which changes
/// `available` without any write).
struct WalletSnapshot {
  Wallet wallet;
  std::optional<std::int64_t> release_in_ms;
};

/// The system accounts of one currency: money enters through funding and leaves through
/// clearing (withdrawals in flight) into payouts. A currency may have several funding accounts
/// (shards, opened as each fills); `funding` is the newest.
struct SystemAccounts {
  std::string funding, clearing, payouts;
  /// Newer funding accounts a batch may move on to when `funding` fills (Ledger::apply opens
  /// them as one of its batches needs them).
  std::vector<std::string> more_funding;
};

struct Transaction {
  std::string id;
  TransactionKind kind = TransactionKind::kCharge;
  TransactionStatus status = TransactionStatus::kCompleted;
  Money amount;
  std::string currency;
  std::string source_wallet_id, destination_wallet_id;
  std::optional<std::string> idempotency_key, reference, release_at;
  std::string created_at;
  std::optional<std::string> reverses;             // a reversal: the transaction it reverses
  std::optional<std::string> reason;               // a reversal: why, as its caller said
  std::optional<std::string> pending_transfer_id;  // a capture: the pending transfer it posted
  Money reversed_amount;                           // the sum of this transaction's reversals
  Metadata metadata;                               // the client's own pairs, given with the request
};

/// A transfer authorised now and captured (in whole or part) or voided later; until then its
/// amount is reserved on the sender (Wallet::pending_out).
struct PendingTransfer {
  std::string id;
  std::string source_wallet_id, destination_wallet_id;
  std::string currency;
  Money amount;  // authorised
  TransferState state = TransferState::kPending;
  Money captured_amount, released_amount;  // both zero while pending; their sum is amount after
  std::optional<std::string> capture_transaction_id;
  std::optional<std::string> idempotency_key, reference;
  std::string expires_at;
  std::string created_at, updated_at;
  std::optional<std::string> closed_at;
  Metadata metadata;        // given when it was opened
  Metadata close_metadata;  // given with the capture or void that closed it
  /// What is still reserved: the amount while pending, nothing once closed.
  Money pending_amount() const { return state == TransferState::kPending ? amount : Money(0); }
};

struct Withdrawal {
  std::string id;
  std::string wallet_id;
  Money amount;
  std::string currency;
  WithdrawalStatus status = WithdrawalStatus::kPending;
  std::int64_t attempts = 0;  // calls made to the bank
  std::optional<std::string> failure_reason;
  std::string transaction_id;
  std::string created_at, updated_at;
  bool possibly_paid = false;  // a call's outcome was unknown: never refunded automatically
  std::int64_t claims = 0;     // fencing token of the current claim (not shown to users)
  std::optional<WithdrawalResolution> resolution;  // an operator's decision
  std::optional<std::string> resolved_at;
  Metadata metadata;  // its transaction's: given with the request
};

/// A wallet's version after a committed write: what the balance cache is told.
struct WalletVersion {
  std::string wallet_id;
  std::int64_t version = 0;
};

/// One line of a wallet's history: the transaction and what it did to this wallet.
struct HistoryItem {
  Transaction transaction;
  std::string wallet_id;  // the wallet this line belongs to
  Money entry_amount;     // signed change of this wallet's balance
  Money balance_after;
};

}  // namespace wallet
