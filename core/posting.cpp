#include "core/posting.hpp"

#include "core/entry_chain.hpp"
#include "core/json_codec.hpp"

namespace wallet {

Posting::Posting(std::map<std::string, AccountState> accounts, std::map<std::string, SystemAccounts> system,
                 Timestamp now, std::string now_text)
    : accounts_(std::move(accounts)), system_(std::move(system)), now_(now), now_text_(std::move(now_text)) {}

void Posting::require_funds(const std::string& wallet_id, Money amount) const {
  const auto& a = accounts_.at(wallet_id);
  const Money available = must_fit(a.balance.minus(a.held), "balance less holds");
  if (available < amount) {
    throw DomainError(ErrorCode::kInsufficientFunds, "wallet " + wallet_id + " has " +
                                                         std::to_string(available.minor()) + " available, needs " +
                                                         std::to_string(amount.minor()));
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
  const bool first_change = writes_.balances.insert_or_assign(wallet_id, account.balance).second;
  if (first_change && account.user) writes_.changed_user_wallets.push_back({wallet_id, account.version + 1});
  writes_.chain_heads[wallet_id] = account.chain_head;
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
      require_funds(r.wallet_id, op.amount);
      break;
    case OperationKind::kWithdrawal:
      kind = TransactionKind::kWithdrawal;
      leg = {r.wallet_id, system_.at(r.currency).clearing};
      require_funds(r.wallet_id, op.amount);
      break;
  }
  // A held charge adds to the wallet's holds: checked before any change, like the move.
  std::optional<Money> held_after;
  if (op.release_at) {
    held_after = accounts_.at(r.wallet_id).held.plus(op.amount);
    if (!held_after) throw DomainError(ErrorCode::kBalanceOverflow, "the charge would overflow the wallet's holds");
  }
  move(r.transaction_id, leg, op.amount);

  Transaction t{r.transaction_id, kind,
                TransactionStatus::kCompleted, op.amount,
                r.currency,       leg.from,
                leg.to,           op.idempotency_key,
                op.reference,     op.release_at ? std::optional(format_rfc3339(*op.release_at)) : std::nullopt,
                now_text_};
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
    w.created_at = w.updated_at = now_text_;
    writes_.withdrawals.push_back(w);
    writes_.events.push_back(make_event("withdrawal.requested", t.id, now_text_, to_json(w)));
    result.withdrawal = w;
  } else {
    writes_.events.push_back(make_event(std::string(name(kind)) + ".completed", t.id, now_text_, to_json(t)));
  }
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
  Transaction t{transaction_id,
                paid ? TransactionKind::kPayout : TransactionKind::kRefund,
                TransactionStatus::kCompleted,
                w.amount,
                w.currency,
                leg.from,
                leg.to,
                std::nullopt,
                "withdrawal " + w.id,
                std::nullopt,
                now_text_};
  writes_.transactions.push_back(t);
  Withdrawal settled = w;
  settled.status = paid ? WithdrawalStatus::kCompleted : WithdrawalStatus::kFailed;
  settled.updated_at = now_text_;
  if (settled.resolution) settled.resolved_at = now_text_;
  writes_.settled_withdrawals.push_back(settled);
  writes_.events.push_back(
      make_event(paid ? "withdrawal.completed" : "withdrawal.failed", t.id, now_text_, to_json(settled)));
  return settled;
}

}  // namespace wallet
