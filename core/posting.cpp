#include "core/posting.hpp"

#include "core/entry_chain.hpp"
#include "core/json_codec.hpp"

namespace wallet {

Posting::Posting(std::map<std::string, AccountState> accounts, std::map<std::string, SystemAccounts> system,
                 Timestamp now, std::string now_text, PostingTargets targets, std::chrono::seconds pending_timeout)
    : accounts_(std::move(accounts)),
      system_(std::move(system)),
      now_(now),
      now_text_(std::move(now_text)),
      targets_(std::move(targets)),
      pending_timeout_(pending_timeout) {}

void Posting::require_not_frozen(const std::string& wallet_id) const {
  if (accounts_.at(wallet_id).frozen) {
    throw DomainError(ErrorCode::kWalletFrozen, "wallet " + wallet_id + " is frozen: no money may leave it");
  }
}

void Posting::require_funds(const std::string& wallet_id, Money amount, bool may_overdraw) const {
  require_not_frozen(wallet_id);
  const auto& a = accounts_.at(wallet_id);
  const Money available = spendable(a.balance, a.held, a.pending_out);
  const Money limit = may_overdraw ? a.overdraft_limit : Money(0);
  // available - amount >= -limit, without an intermediate that could overflow.
  const auto reach = available.plus(limit);
  if (reach && *reach < amount) {
    throw DomainError(ErrorCode::kInsufficientFunds,
                      "wallet " + wallet_id + " has " + std::to_string(available.minor()) + " available" +
                          (limit > Money(0) ? " and an overdraft of " + std::to_string(limit.minor()) : "") +
                          ", needs " + std::to_string(amount.minor()));
  }
}

// The funding account a charge draws on: the current one while it can take the amount, else
// the next of the batch's newer ones. A charge its own wallet cannot take is refused by move().
const std::string& Posting::funding_for(const std::string& currency, const std::string& wallet_id, Money amount) {
  auto& sys = system_.at(currency);
  if (!accounts_.at(wallet_id).balance.plus(amount)) return sys.funding;
  while (!accounts_.at(sys.funding).balance.minus(amount)) {
    if (sys.more_funding.empty()) throw FundingAccountFull(currency, sys.funding);
    sys.funding = sys.more_funding.front();
    sys.more_funding.erase(sys.more_funding.begin());
  }
  return sys.funding;
}

// Moves amount from one account to another; throws (and changes nothing) when a balance would
// overflow.
void Posting::move(const std::string& transaction_id, const Leg& leg, Money amount) {
  auto& from = accounts_.at(leg.from);
  auto& to = accounts_.at(leg.to);
  const auto from_after = from.balance.minus(amount);
  const auto to_after = to.balance.plus(amount);
  if (!from_after || !to_after) {
    throw DomainError(ErrorCode::kBalanceOverflow, "the transaction would overflow a balance");
  }
  from.balance = *from_after;
  to.balance = *to_after;
  add_entry(transaction_id, leg.from, from, must_fit(amount.negated(), "a debit"));
  add_entry(transaction_id, leg.to, to, amount);
}

void Posting::add_entry(const std::string& transaction_id, const std::string& wallet_id, AccountState& account,
                        Money amount) {
  const Money after = account.balance;
  account.chain_head = entry_hash(account.chain_head, transaction_id, wallet_id, amount, after);
  writes_.entries.push_back({transaction_id, wallet_id, amount, after, account.chain_head});
  touch(wallet_id);
}

void Posting::touch(const std::string& wallet_id) {
  const auto& account = accounts_.at(wallet_id);
  const bool first_change = writes_.accounts.insert_or_assign(wallet_id, account).second;
  if (first_change && account.user) writes_.changed_user_wallets.push_back({wallet_id, account.version + 1});
}

Transaction Posting::new_transaction(const std::string& id, TransactionKind kind, Money amount,
                                     const std::string& currency, const Leg& leg,
                                     std::optional<std::string> idempotency_key,
                                     std::optional<std::string> reference, Metadata metadata) const {
  Transaction t;
  t.id = id;
  t.kind = kind;
  t.amount = amount;
  t.currency = currency;
  t.source_wallet_id = leg.from;
  t.destination_wallet_id = leg.to;
  t.idempotency_key = std::move(idempotency_key);
  t.reference = std::move(reference);
  t.metadata = std::move(metadata);
  t.created_at = now_text_;
  return t;
}

OperationResult Posting::post(const ResolvedOperation& r) {
  try {
    return posted(r);
  } catch (const DomainError& e) {
    OperationResult refused;  // nothing of it was written: the refusal came before any change
    refused.error = e;
    return refused;
  }
}

OperationResult Posting::posted(const ResolvedOperation& r) {
  const Operation& op = *r.op;
  switch (op.kind) {
    case OperationKind::kPendingTransfer:
      return open_transfer(r);
    case OperationKind::kCapture:
    case OperationKind::kVoid:
    case OperationKind::kExpire:
      return close_transfer(r);
    case OperationKind::kReversal:
      return reverse(r);
    default:
      break;
  }
  OperationResult result;
  Leg leg;
  auto kind = TransactionKind::kCharge;
  switch (op.kind) {
    case OperationKind::kCharge:
      if (op.release_at && *op.release_at <= now_) {
        throw DomainError(ErrorCode::kInvalidReleaseAt, "release_at must be in the future");
      }
      leg = {funding_for(r.currency, r.wallet_id, op.amount), r.wallet_id};
      break;
    case OperationKind::kTransfer:
      kind = TransactionKind::kTransfer;
      leg = {r.wallet_id, r.to_wallet_id};
      require_funds(r.wallet_id, op.amount, true);
      break;
    case OperationKind::kWithdrawal:
      kind = TransactionKind::kWithdrawal;
      leg = {r.wallet_id, system_.at(r.currency).clearing};
      require_funds(r.wallet_id, op.amount);
      break;
    default:
      throw DomainError(ErrorCode::kInternal, "operation posted by the wrong rule");
  }
  // A held charge adds to the wallet's holds: checked before any change, like the move.
  std::optional<Money> held_after;
  if (op.release_at) {
    held_after = accounts_.at(r.wallet_id).held.plus(op.amount);
    if (!held_after) throw DomainError(ErrorCode::kBalanceOverflow, "the charge would overflow the wallet's holds");
  }
  move(r.transaction_id, leg, op.amount);

  Transaction t = new_transaction(r.transaction_id, kind, op.amount, r.currency, leg, op.idempotency_key, op.reference,
                                  op.metadata);
  if (op.release_at) t.release_at = format_rfc3339(*op.release_at);
  if (held_after) {
    accounts_.at(r.wallet_id).held = *held_after;
    writes_.holds.push_back({t.id, r.wallet_id, op.amount, *t.release_at});
  }
  writes_.transactions.push_back(t);
  if (op.kind == OperationKind::kWithdrawal) {
    Withdrawal w;
    w.id = r.withdrawal_id;
    w.wallet_id = r.wallet_id;
    w.amount = op.amount;
    w.currency = r.currency;
    w.status = WithdrawalStatus::kPending;
    w.transaction_id = t.id;
    w.metadata = t.metadata;
    w.created_at = w.updated_at = now_text_;
    writes_.withdrawals.push_back(w);
    writes_.events.push_back(make_event("withdrawal.requested", t.id, now_text_, json_text(w)));
    result.withdrawal = w;
  } else {
    writes_.events.push_back(make_event(std::string(name(kind)) + ".completed", t.id, now_text_, json_text(t)));
  }
  result.transaction = std::move(t);
  return result;
}

void Posting::reserve(const PendingTransfer& t, bool add) {
  auto& from = accounts_.at(t.source_wallet_id);
  auto& to = accounts_.at(t.destination_wallet_id);
  const auto out = add ? from.pending_out.plus(t.amount) : from.pending_out.minus(t.amount);
  const auto in = add ? to.pending_in.plus(t.amount) : to.pending_in.minus(t.amount);
  if (!out || !in) throw DomainError(ErrorCode::kBalanceOverflow, "the transfer would overflow a pending amount");
  from.pending_out = *out;
  to.pending_in = *in;
  touch(t.source_wallet_id);
  touch(t.destination_wallet_id);
}

// Authorise: the sender's available drops by the amount; no money moves and no entry is written.
OperationResult Posting::open_transfer(const ResolvedOperation& r) {
  const Operation& op = *r.op;
  const Timestamp expires = op.expires_at.value_or(now_ + pending_timeout_);
  if (expires <= now_) throw DomainError(ErrorCode::kInvalidExpiresAt, "expires_at must be in the future");
  require_funds(r.wallet_id, op.amount, true);
  PendingTransfer t;
  t.id = r.transfer_id;
  t.source_wallet_id = r.wallet_id;
  t.destination_wallet_id = r.to_wallet_id;
  t.currency = r.currency;
  t.amount = op.amount;
  t.idempotency_key = op.idempotency_key;
  t.reference = op.reference;
  t.metadata = op.metadata;
  t.expires_at = format_rfc3339(expires);
  t.created_at = t.updated_at = now_text_;
  reserve(t, true);
  targets_.transfers[t.id] = t;
  writes_.new_transfers.push_back(t);
  writes_.events.push_back(make_event("transfer.pending", std::nullopt, now_text_, json_text(t)));
  OperationResult result;
  result.transfer = std::move(t);
  return result;
}

PendingTransfer& Posting::open_transfer_named(const ResolvedOperation& r) {
  auto it = targets_.transfers.find(r.transfer_id);
  if (it == targets_.transfers.end()) throw DomainError(ErrorCode::kTransferNotFound, "no transfer " + r.transfer_id);
  PendingTransfer& t = it->second;
  if (t.state != TransferState::kPending) {
    throw DomainError(ErrorCode::kTransferNotPending, "transfer " + t.id + " is " + std::string(name(t.state)));
  }
  // Past its expiry a transfer is the sweep's to close (as expired), never a caller's.
  const bool due = parse_rfc3339(t.expires_at) <= now_;
  if (due != (r.op->kind == OperationKind::kExpire)) {
    throw DomainError(ErrorCode::kTransferNotPending, "transfer " + t.id + (due ? " expired at " : " expires at ") +
                                                          t.expires_at);
  }
  return t;
}

// Capture, void or expiry: the reservation goes; a capture then moves what it captures.
OperationResult Posting::close_transfer(const ResolvedOperation& r) {
  const Operation& op = *r.op;
  PendingTransfer& t = open_transfer_named(r);
  Money captured(0);
  if (op.kind == OperationKind::kCapture) {
    captured = op.amount == Money(0) ? t.amount : op.amount;
    if (t.amount < captured) {
      throw DomainError(ErrorCode::kCaptureExceedsPending, "capture of " + std::to_string(captured.minor()) +
                                                               " is more than the " + std::to_string(t.amount.minor()) +
                                                               " pending");
    }
    require_not_frozen(t.source_wallet_id);  // what it reserved has not left yet: a capture is a debit
    // The only check that can fail once the reservation is released: checked first.
    if (!accounts_.at(t.destination_wallet_id).balance.plus(captured)) {
      throw DomainError(ErrorCode::kBalanceOverflow, "the capture would overflow the receiver's balance");
    }
  }
  reserve(t, false);
  t.state = op.kind == OperationKind::kCapture ? TransferState::kPosted
            : op.kind == OperationKind::kVoid  ? TransferState::kVoided
                                               : TransferState::kExpired;
  t.captured_amount = captured;
  t.released_amount = must_fit(t.amount.minus(captured), "pending less captured");
  t.updated_at = now_text_;
  t.closed_at = now_text_;
  t.close_metadata = op.metadata;
  OperationResult result;
  std::optional<std::string> transaction_id;
  if (captured > Money(0)) {
    const Leg leg{t.source_wallet_id, t.destination_wallet_id};
    // The money moves under the capture's pairs, or, without any, under those it was opened with.
    Transaction x = new_transaction(r.transaction_id, TransactionKind::kTransfer, captured, t.currency, leg,
                                    op.idempotency_key, op.reference, op.metadata.empty() ? t.metadata : op.metadata);
    x.pending_transfer_id = t.id;
    move(x.id, leg, captured);
    t.capture_transaction_id = transaction_id = x.id;
    writes_.transactions.push_back(x);
    result.transaction = std::move(x);
  }
  writes_.closed_transfers.push_back(t);
  auto data = json_text(t);
  if (result.transaction) data = with_member(std::move(data), "transaction", json_text(*result.transaction));
  writes_.events.push_back(make_event("transfer." + std::string(name(t.state)), transaction_id, now_text_, data));
  result.transfer = t;
  return result;
}

// A refund: the original's money goes back along its leg, from its destination to its source.
OperationResult Posting::reverse(const ResolvedOperation& r) {
  const Operation& op = *r.op;
  auto it = targets_.originals.find(r.target_id);
  if (it == targets_.originals.end()) throw DomainError(ErrorCode::kTransactionNotFound, "no transaction " + r.target_id);
  Transaction& original = it->second;
  if (original.kind != TransactionKind::kCharge && original.kind != TransactionKind::kTransfer) {
    throw DomainError(ErrorCode::kTransactionNotReversible,
                      "a " + std::string(name(original.kind)) + " cannot be reversed" +
                          (original.kind == TransactionKind::kWithdrawal ? ": a payout is settled by the withdrawal flow"
                                                                         : ""));
  }
  if (original.kind == TransactionKind::kCharge && !op.may_reverse_charges) {
    throw DomainError(ErrorCode::kForbidden, "only a key that may charge may reverse a charge");
  }
  const Money remaining = must_fit(original.amount.minus(original.reversed_amount), "amount less reversals");
  const Money amount = op.amount == Money(0) ? remaining : op.amount;
  if (remaining < amount || amount == Money(0)) {
    throw DomainError(ErrorCode::kReversalExceedsOriginal,
                      "transaction " + original.id + " has " + std::to_string(remaining.minor()) +
                          " left to reverse, asked " + std::to_string(amount.minor()));
  }
  const Leg leg{original.destination_wallet_id, original.source_wallet_id};
  require_funds(leg.from, amount);
  move(r.transaction_id, leg, amount);
  Transaction t = new_transaction(r.transaction_id, TransactionKind::kReversal, amount, original.currency, leg,
                                  op.idempotency_key, op.reference, op.metadata);
  t.reverses = original.id;
  t.reason = op.reason;
  original.reversed_amount = must_fit(original.reversed_amount.plus(amount), "reversed amount");
  writes_.transactions.push_back(t);
  const auto data = with_member(json_text(t), "original", json_text(original));
  writes_.events.push_back(make_event("transaction.reversed", t.id, now_text_, data));
  OperationResult result;
  result.transaction = std::move(t);
  return result;
}

std::optional<Withdrawal> Posting::settle(const Withdrawal& w, const std::string& transaction_id, bool paid) {
  const auto& sys = system_.at(w.currency);
  const Leg leg = paid ? Leg{sys.clearing, sys.payouts} : Leg{sys.clearing, w.wallet_id};
  // Clearing holds exactly what is in flight, so only an overflow of the destination can fail.
  try {
    move(transaction_id, leg, w.amount);
  } catch (const DomainError&) {
    return std::nullopt;
  }
  Transaction t = new_transaction(transaction_id, paid ? TransactionKind::kPayout : TransactionKind::kRefund, w.amount,
                                  w.currency, leg, std::nullopt, "withdrawal " + w.id, w.metadata);
  writes_.transactions.push_back(t);
  Withdrawal settled = w;
  settled.status = paid ? WithdrawalStatus::kCompleted : WithdrawalStatus::kFailed;
  settled.updated_at = now_text_;
  if (settled.resolution) settled.resolved_at = now_text_;
  writes_.settled_withdrawals.push_back(settled);
  writes_.events.push_back(
      make_event(paid ? "withdrawal.completed" : "withdrawal.failed", t.id, now_text_, json_text(settled)));
  return settled;
}

}  // namespace wallet
