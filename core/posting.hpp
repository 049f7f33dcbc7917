// Posting: applies a batch of operations to locked balances in memory, in order, deciding
// each one's outcome and collecting the rows the batch will write. Pure logic, no I/O, so
// every money rule of the write path is here, once.
#pragma once

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
  std::string chain_head = kChainGenesis;  // hash of its last ledger entry
  std::int64_t version = 0;                // as locked; the write adds one
  bool user = false;                       // a user wallet (which the balance cache holds)
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
  std::string transaction_id, withdrawal_id;  // ids chosen up front (its key row points at them)
};

/// Everything a batch writes, in the shape of the multi-row statements that write it.
struct PostingWrites {
  std::map<std::string, Money> balances;           // final balance of every account touched
  std::map<std::string, std::string> chain_heads;  // and the hash of its last entry
  std::vector<Transaction> transactions;
  std::vector<LedgerEntryRow> entries;
  std::vector<HoldRow> holds;
  std::vector<Withdrawal> withdrawals;          // new (pending) withdrawals
  std::vector<Withdrawal> settled_withdrawals;  // withdrawals that reached a final state
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
  Posting(std::map<std::string, AccountState> accounts, std::map<std::string, SystemAccounts> system, Timestamp now,
          std::string now_text);

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
  void require_funds(const std::string& wallet_id, Money amount) const;
  const std::string& funding_for(const std::string& currency, const std::string& wallet_id, Money amount);
  void move(const std::string& transaction_id, const Leg& leg, Money amount);
  void add_entry(const std::string& transaction_id, const std::string& wallet_id, AccountState& account,
                 Money amount);

  std::map<std::string, AccountState> accounts_;
  std::map<std::string, SystemAccounts> system_;
  Timestamp now_;
  std::string now_text_;
  PostingWrites writes_;
};

}  // namespace wallet
