// Posting: applies a batch of operations to locked balances in memory, in order, deciding
// each one's outcome and collecting the rows the batch will write. Pure logic, no I/O, so
// every money rule of the write path is here, once.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/entry_chain.hpp"
#include "core/events.hpp"
#include "core/model.hpp"
#include "core/operations.hpp"

namespace wallet {

/// A locked row as read at the start of posting.
struct AccountState {
  Money balance;
  Money held;                              // unreleased holds (user wallets only)
  Money pending_out, pending_in;           // reserved by, promised by, open pending transfers
  std::string chain_head = kChainGenesis;  // hash of its last ledger entry
  std::int64_t version = 0;                // as locked; the write adds one
  bool user = false;                       // a user wallet (which the balance cache holds)
  bool frozen = false;                     // no money may leave it
  Money overdraft_limit;                   // how far below zero transfers may take available
};

struct LedgerEntryRow {
  std::string transaction_id, wallet_id;
  Money amount, balance_after;
  std::string hash;  // over its content and the wallet's previous entry
};

struct HoldRow {
  std::string transaction_id, wallet_id;
  Money amount;
  std::string release_at;
};

/// What one operation needs from the database before it can be posted.
struct ResolvedOperation {
  const Operation* op = nullptr;
  std::string wallet_id, to_wallet_id, currency;
  // Ids chosen up front (its key row points at them). transfer_id: the pending transfer it
  // creates or acts on; transaction_id: the transaction it creates, if any.
  std::string transaction_id, withdrawal_id, transfer_id;
  std::string target_id;  // the row it acts on (Operation::target, or found by target_key)
};

/// What operations on earlier rows (Operation::target) need, read once their accounts are
/// locked: nothing can change them while the locks are held.
struct PostingTargets {
  std::map<std::string, PendingTransfer> transfers;  // by id
  std::map<std::string, Transaction> originals;      // by id, with reversed_amount
};

/// Everything a batch writes, in the shape of the multi-row statements that write it.
struct PostingWrites {
  std::map<std::string, AccountState> accounts;  // final state of every account touched
  std::vector<Transaction> transactions;
  std::vector<LedgerEntryRow> entries;
  std::vector<HoldRow> holds;
  std::vector<Withdrawal> withdrawals;          // new (pending) withdrawals
  std::vector<Withdrawal> settled_withdrawals;  // withdrawals that reached a final state
  std::vector<PendingTransfer> new_transfers;     // opened (pending)
  std::vector<PendingTransfer> closed_transfers;  // captured, voided or expired
  std::vector<OutboxEvent> events;
  // The user wallets among `balances`, with the version the write gives them.
  std::vector<WalletVersion> changed_user_wallets;
};

/// A charge cannot be posted because the currency's newest funding account would pass the
/// smallest balance: the batch is run again on the next funding account (Ledger::apply).
class FundingAccountFull : public std::runtime_error {
 public:
  FundingAccountFull(std::string of_currency, std::string full_funding_id)
      : std::runtime_error("funding account " + full_funding_id + " is full"),
        currency(std::move(of_currency)),
        funding_id(std::move(full_funding_id)) {}
  std::string currency, funding_id;
};

class Posting {
 public:
  /// now: the database's transaction time, as Timestamp and as RFC 3339 text.
  /// pending_timeout: how long a pending transfer stays open when its request names no expiry.
  Posting(std::map<std::string, AccountState> accounts, std::map<std::string, SystemAccounts> system, Timestamp now,
          std::string now_text, PostingTargets targets = {},
          std::chrono::seconds pending_timeout = std::chrono::hours(1));

  /// Posts one operation; on refusal returns the error and changes nothing. Throws
  /// FundingAccountFull when a charge would overflow its funding account.
  OperationResult post(const ResolvedOperation& r);

  /// Settles a withdrawal in flight with a new transaction: paid moves its amount from
  /// clearing to payouts (completed); otherwise it moves back from clearing to its wallet (a
  /// refund: failed). `w` carries what the row will hold (attempts, reason, resolution).
  /// Returns the withdrawal as it now stands, or none (and changes nothing) when a balance
  /// would overflow. The accounts must be locked.
  std::optional<Withdrawal> settle(const Withdrawal& w, const std::string& transaction_id, bool paid);

  const PostingWrites& writes() const { return writes_; }

 private:
  struct Leg {
    std::string from, to;
  };
  /// post() without the catch: every refusal is thrown (DomainError), before any change.
  OperationResult posted(const ResolvedOperation& r);
  OperationResult open_transfer(const ResolvedOperation& r);
  OperationResult close_transfer(const ResolvedOperation& r);
  OperationResult reverse(const ResolvedOperation& r);
  PendingTransfer& open_transfer_named(const ResolvedOperation& r);
  /// Adds (or, negated, removes) a pending transfer's reservation on both its wallets.
  void reserve(const PendingTransfer& t, bool add);
  /// Every debit of a wallet checks both, before any change: a frozen wallet refuses it (409
  /// wallet_frozen), then one without the available funds (422 insufficient_funds).
  void require_not_frozen(const std::string& wallet_id) const;
  /// With `may_overdraw` (transfers and pending transfers), available may end as low as
  /// -overdraft_limit; every other debit needs it to stay at zero or above.
  void require_funds(const std::string& wallet_id, Money amount, bool may_overdraw = false) const;
  /// A completed transaction of this posting along a leg.
  Transaction new_transaction(const std::string& id, TransactionKind kind, Money amount, const std::string& currency,
                              const Leg& leg, std::optional<std::string> idempotency_key,
                              std::optional<std::string> reference, Metadata metadata) const;
  /// Records an account as changed: its row is written (a new version) even without an entry.
  void touch(const std::string& wallet_id);
  const std::string& funding_for(const std::string& currency, const std::string& wallet_id, Money amount);
  void move(const std::string& transaction_id, const Leg& leg, Money amount);
  void add_entry(const std::string& transaction_id, const std::string& wallet_id, AccountState& account,
                 Money amount);

  std::map<std::string, AccountState> accounts_;
  std::map<std::string, SystemAccounts> system_;
  Timestamp now_;
  std::string now_text_;
  PostingTargets targets_;
  std::chrono::seconds pending_timeout_;
  PostingWrites writes_;
};

}  // namespace wallet
