// The objects walletctl shows its users: wallets, transactions and withdrawals, shaped as the
// HTTP API and `--output json` return them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wallet {

struct Wallet {
  std::string id;
  std::string user_id;
  std::string currency;
  std::int64_t balance = 0;
  std::int64_t held = 0;  // funds of charges not yet released
  std::int64_t version = 0;
  std::string created_at, updated_at;
  std::int64_t available() const { return balance - held; }
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
  std::string kind;    // charge, transfer, withdrawal, refund, payout
  std::string status;  // completed
  std::int64_t amount = 0;
  std::string currency;
  std::string source_wallet_id, destination_wallet_id;
  std::optional<std::string> idempotency_key, reference, release_at;
  std::string created_at;
};

struct Withdrawal {
  std::string id;
  std::string wallet_id;
  std::int64_t amount = 0;
  std::string currency;
  std::string status;         // pending, processing, needs_review, completed, failed
  std::int64_t attempts = 0;  // calls made to the bank
  std::optional<std::string> failure_reason;
  std::string transaction_id;
  std::string created_at, updated_at;
  bool possibly_paid = false;                          // a call's outcome was unknown: never refunded automatically
  std::int64_t claims = 0;                             // fencing token of the current claim (not shown to users)
  std::optional<std::string> resolution, resolved_at;  // an operator's decision: paid or refund
};

/// A wallet's version after a committed write: what the balance cache is told.
struct WalletVersion {
  std::string wallet_id;
  std::int64_t version = 0;
};

/// One line of a wallet's history: the transaction and what it did to this wallet.
struct HistoryItem {
  Transaction transaction;
  std::string wallet_id;          // the wallet this line belongs to
  std::int64_t entry_amount = 0;  // signed change of this wallet's balance
  std::int64_t balance_after = 0;
};

}  // namespace wallet
