// The money rules of the write path, without a database.
#include <gtest/gtest.h>

#include <limits>

#include "core/posting.hpp"

namespace wallet {
namespace {

const std::string kA = "00000000-0000-7000-8000-00000000000a";
const std::string kB = "00000000-0000-7000-8000-00000000000b";
const SystemAccounts kSys{"00000000-0000-7000-8000-0000000000f0", "00000000-0000-7000-8000-0000000000c0",
                          "00000000-0000-7000-8000-0000000000d0", {}};

class PostingTest : public ::testing::Test {
 protected:
  Posting make(std::int64_t a, std::int64_t b, std::int64_t held_a = 0) {
    return Posting({{kA, account(a, held_a)}, {kB, account(b)}, {kSys.funding, account(0)}, {kSys.clearing, account(0)}},
                   {{"USD", kSys}}, now_, "2026-01-01T00:00:00Z", std::move(targets_));
  }
  static AccountState account(std::int64_t balance, std::int64_t held = 0) {
    AccountState a;
    a.balance = Money(balance);
    a.held = Money(held);
    a.user = true;
    return a;
  }
  static Operation operation(OperationKind kind, Money amount, std::optional<std::string> to = {}) {
    Operation op;
    op.kind = kind;
    op.wallet.wallet_id = kA;
    op.to_wallet_id = std::move(to);
    op.amount = amount;
    return op;
  }
  ResolvedOperation resolve(const Operation& op, std::string to = "") {
    static int n = 0;
    ResolvedOperation r;
    r.op = &op;
    r.wallet_id = kA;
    r.to_wallet_id = std::move(to);
    r.currency = "USD";
    r.transaction_id = "tx-" + std::to_string(++n);
    r.withdrawal_id = "wd-" + std::to_string(n);
    r.transfer_id = "pt-" + std::to_string(n);
    return r;
  }
  // Posts a capture, void, expiry or reversal of `target`, resolved as the ledger would.
  OperationResult act(Posting& p, OperationKind kind, const std::string& target, std::int64_t amount = 0,
                      bool may_reverse_charges = true) {
    Operation op = operation(kind, Money(amount));
    op.target = target;
    op.may_reverse_charges = may_reverse_charges;
    auto r = resolve(op, kind == OperationKind::kReversal ? kSys.funding : kB);
    r.target_id = r.transfer_id = target;
    return p.post(r);
  }
  static std::int64_t balance_of(const Posting& p, const std::string& id) {
    return p.writes().accounts.at(id).balance.minor();
  }
  PostingTargets targets_;
  Timestamp now_ = parse_rfc3339("2026-01-01T00:00:00Z");
};

TEST_F(PostingTest, ChargeCreditsTheWalletFromFunding) {
  auto p = make(0, 0);
  Operation op = operation(OperationKind::kCharge, Money(500));
  const auto r = p.post(resolve(op));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.transaction->source_wallet_id, kSys.funding);
  EXPECT_EQ(balance_of(p, kA), 500);
  EXPECT_EQ(balance_of(p, kSys.funding), -500);
  ASSERT_EQ(p.writes().entries.size(), 2u);
  EXPECT_EQ(p.writes().entries[0].amount.minor() + p.writes().entries[1].amount.minor(), 0);
  ASSERT_EQ(p.writes().events.size(), 1u);
  EXPECT_EQ(p.writes().events[0].type, "charge.completed");
}

TEST_F(PostingTest, TransfersSpendOnlyAvailableFundsAndRefusalsChangeNothing) {
  auto p = make(100, 0, 60);
  Operation too_much = operation(OperationKind::kTransfer, Money(41), kB);
  const auto refused = p.post(resolve(too_much, kB));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_TRUE(p.writes().accounts.empty());

  Operation fits = operation(OperationKind::kTransfer, Money(40), kB);
  ASSERT_TRUE(p.post(resolve(fits, kB)).ok());
  EXPECT_EQ(balance_of(p, kA), 60);
  EXPECT_EQ(balance_of(p, kB), 40);
  EXPECT_EQ(p.writes().entries.back().balance_after.minor(), 40);
}

TEST_F(PostingTest, WithdrawalMovesFundsToClearingAndRecordsAPendingRow) {
  auto p = make(100, 0);
  Operation op = operation(OperationKind::kWithdrawal, Money(30));
  const auto r = p.post(resolve(op));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.withdrawal->status, WithdrawalStatus::kPending);
  EXPECT_EQ(balance_of(p, kSys.clearing), 30);
  EXPECT_EQ(p.writes().events.at(0).type, "withdrawal.requested");
}

TEST_F(PostingTest, HeldChargeCountsInBalanceButNotAvailableForLaterOperations) {
  auto p = make(0, 0);
  Operation held = operation(OperationKind::kCharge, Money(100));
  held.release_at = parse_rfc3339("2026-02-01T00:00:00Z");
  ASSERT_TRUE(p.post(resolve(held)).ok());
  ASSERT_EQ(p.writes().holds.size(), 1u);
  Operation spend = operation(OperationKind::kWithdrawal, Money(1));
  EXPECT_EQ(p.post(resolve(spend)).error->code(), ErrorCode::kInsufficientFunds);
}

TEST_F(PostingTest, ReleaseTimeInThePastIsRefused) {
  auto p = make(0, 0);
  Operation op = operation(OperationKind::kCharge, Money(100));
  op.release_at = parse_rfc3339("2025-12-31T00:00:00Z");
  EXPECT_EQ(p.post(resolve(op)).error->code(), ErrorCode::kInvalidReleaseAt);
}

TEST_F(PostingTest, BalanceOverflowIsRefused) {
  auto p = make(std::numeric_limits<std::int64_t>::max() - 5, 0);
  Operation op = operation(OperationKind::kCharge, Money(10));
  EXPECT_EQ(p.post(resolve(op)).error->code(), ErrorCode::kBalanceOverflow);
  EXPECT_TRUE(p.writes().accounts.empty());
}

// The wallet's holds grow by a held charge: an overflow there is refused before the charge moves
// any money, like an overflow of a balance.
TEST_F(PostingTest, HoldsOverflowIsRefusedBeforeAnyChange) {
  auto p = make(0, 0, std::numeric_limits<std::int64_t>::max() - 5);
  Operation held = operation(OperationKind::kCharge, Money(10));
  held.release_at = parse_rfc3339("2026-02-01T00:00:00Z");
  const auto r = p.post(resolve(held));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code(), ErrorCode::kBalanceOverflow);
  EXPECT_TRUE(p.writes().accounts.empty());
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_TRUE(p.writes().holds.empty());
}

// Two-phase transfers: authorising reserves, capturing moves what it captures and releases the
// rest, and a closed transfer takes no second capture or void.
TEST_F(PostingTest, PendingTransferReservesThenCaptureMovesPartAndReleasesTheRest) {
  auto p = make(100, 0);
  Operation authorise = operation(OperationKind::kPendingTransfer, Money(70), kB);
  const auto opened = p.post(resolve(authorise, kB));
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(opened.transfer.has_value());
  EXPECT_FALSE(opened.transaction.has_value()) << "authorising moves no money";
  EXPECT_EQ(opened.transfer->state, TransferState::kPending);
  EXPECT_EQ(opened.transfer->expires_at, "2026-01-01T01:00:00Z") << "the default timeout is an hour";
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_EQ(balance_of(p, kA), 100) << "the balance stays";
  EXPECT_EQ(p.writes().accounts.at(kA).pending_out.minor(), 70);
  EXPECT_EQ(p.writes().accounts.at(kB).pending_in.minor(), 70);
  EXPECT_EQ(p.writes().changed_user_wallets.size(), 2u) << "both wallets' cached copies are now stale";
  EXPECT_EQ(p.writes().events.at(0).type, "transfer.pending");

  Operation spend = operation(OperationKind::kWithdrawal, Money(31));
  EXPECT_EQ(p.post(resolve(spend)).error->code(), ErrorCode::kInsufficientFunds) << "only 30 is available";

  const auto captured = act(p, OperationKind::kCapture, opened.transfer->id, 50);
  ASSERT_TRUE(captured.ok()) << captured.error->what();
  EXPECT_EQ(captured.transfer->state, TransferState::kPosted);
  EXPECT_EQ(captured.transfer->captured_amount.minor(), 50);
  EXPECT_EQ(captured.transfer->released_amount.minor(), 20);
  ASSERT_TRUE(captured.transaction.has_value());
  EXPECT_EQ(captured.transaction->kind, TransactionKind::kTransfer);
  EXPECT_EQ(captured.transaction->pending_transfer_id, opened.transfer->id);
  EXPECT_EQ(captured.transfer->capture_transaction_id, captured.transaction->id);
  EXPECT_EQ(balance_of(p, kA), 50);
  EXPECT_EQ(balance_of(p, kB), 50);
  EXPECT_EQ(p.writes().accounts.at(kA).pending_out.minor(), 0);
  EXPECT_EQ(p.writes().accounts.at(kB).pending_in.minor(), 0);
  EXPECT_EQ(p.writes().events.back().type, "transfer.posted");
  EXPECT_EQ(p.writes().events.back().transaction_id, captured.transaction->id);

  for (auto kind : {OperationKind::kCapture, OperationKind::kVoid}) {
    EXPECT_EQ(act(p, kind, opened.transfer->id).error->code(), ErrorCode::kTransferNotPending);
  }
  EXPECT_EQ(balance_of(p, kA), 50) << "refusals change nothing";
}

TEST_F(PostingTest, CaptureAboveThePendingAmountIsRefusedAndVoidReleasesAll) {
  auto p = make(100, 0);
  Operation authorise = operation(OperationKind::kPendingTransfer, Money(40), kB);
  const auto opened = p.post(resolve(authorise, kB));
  ASSERT_TRUE(opened.ok());
  const auto& id = opened.transfer->id;
  EXPECT_EQ(act(p, OperationKind::kCapture, id, 41).error->code(), ErrorCode::kCaptureExceedsPending);
  EXPECT_EQ(act(p, OperationKind::kExpire, id).error->code(), ErrorCode::kTransferNotPending) << "not due yet";
  const auto voided = act(p, OperationKind::kVoid, id);
  ASSERT_TRUE(voided.ok());
  EXPECT_EQ(voided.transfer->state, TransferState::kVoided);
  EXPECT_EQ(voided.transfer->released_amount.minor(), 40);
  EXPECT_FALSE(voided.transaction.has_value());
  EXPECT_EQ(p.writes().accounts.at(kA).pending_out.minor(), 0);
  EXPECT_EQ(balance_of(p, kA), 100);
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_EQ(p.writes().events.back().type, "transfer.voided");
}

// Past expires_at only the sweep may close a transfer, as expired.
TEST_F(PostingTest, AnExpiredTransferTakesNoCaptureAndTheSweepClosesIt) {
  PendingTransfer t;
  t.id = "pt-old";
  t.source_wallet_id = kA;
  t.destination_wallet_id = kB;
  t.currency = "USD";
  t.amount = Money(30);
  t.expires_at = "2026-01-01T00:00:00Z";  // now
  targets_.transfers[t.id] = t;
  auto p = make(100, 0);
  EXPECT_EQ(act(p, OperationKind::kCapture, t.id).error->code(), ErrorCode::kTransferNotPending);
  EXPECT_EQ(act(p, OperationKind::kVoid, t.id).error->code(), ErrorCode::kTransferNotPending);
  const auto expired = act(p, OperationKind::kExpire, t.id);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(expired.transfer->state, TransferState::kExpired);
  EXPECT_EQ(p.writes().events.back().type, "transfer.expired");
  EXPECT_EQ(act(p, OperationKind::kExpire, t.id).error->code(), ErrorCode::kTransferNotPending) << "exactly once";
}

TEST_F(PostingTest, AuthorisingMoreThanIsAvailableOrExpiringInThePastIsRefused) {
  auto p = make(100, 0, 50);
  Operation too_much = operation(OperationKind::kPendingTransfer, Money(51), kB);
  EXPECT_EQ(p.post(resolve(too_much, kB)).error->code(), ErrorCode::kInsufficientFunds);
  Operation past = operation(OperationKind::kPendingTransfer, Money(10), kB);
  past.expires_at = parse_rfc3339("2025-12-31T23:59:59Z");
  EXPECT_EQ(p.post(resolve(past, kB)).error->code(), ErrorCode::kInvalidExpiresAt);
  EXPECT_TRUE(p.writes().accounts.empty());
}

// Reversals move money back along the original's leg, together never more than it.
TEST_F(PostingTest, PartialReversalsOfAChargeNeverExceedIt) {
  Transaction charge;
  charge.id = "tx-charge";
  charge.kind = TransactionKind::kCharge;
  charge.amount = Money(100);
  charge.currency = "USD";
  charge.source_wallet_id = kSys.funding;
  charge.destination_wallet_id = kA;
  targets_.originals[charge.id] = charge;
  auto p = make(100, 0);
  const auto reverse = [&](std::int64_t amount) { return act(p, OperationKind::kReversal, charge.id, amount); };
  const auto first = reverse(60);
  ASSERT_TRUE(first.ok()) << first.error->what();
  EXPECT_EQ(first.transaction->kind, TransactionKind::kReversal);
  EXPECT_EQ(first.transaction->reverses, charge.id);
  EXPECT_EQ(first.transaction->source_wallet_id, kA);
  EXPECT_EQ(first.transaction->destination_wallet_id, kSys.funding);
  EXPECT_EQ(balance_of(p, kA), 40);
  EXPECT_EQ(balance_of(p, kSys.funding), 60);
  EXPECT_EQ(p.writes().events.back().type, "transaction.reversed");
  EXPECT_EQ(reverse(41).error->code(), ErrorCode::kReversalExceedsOriginal);
  const auto rest = reverse(0);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest.transaction->amount.minor(), 40) << "no amount reverses what is left";
  EXPECT_EQ(reverse(0).error->code(), ErrorCode::kReversalExceedsOriginal);
  EXPECT_EQ(balance_of(p, kA), 0);
}

TEST_F(PostingTest, WithdrawalsAndReversalsAreNotReversibleAndChargesNeedTheChargeRight) {
  Transaction withdrawal;
  withdrawal.id = "tx-wd";
  withdrawal.kind = TransactionKind::kWithdrawal;
  withdrawal.amount = Money(10);
  withdrawal.currency = "USD";
  withdrawal.source_wallet_id = kA;
  withdrawal.destination_wallet_id = kSys.clearing;
  Transaction charge = withdrawal;
  charge.id = "tx-charge";
  charge.kind = TransactionKind::kCharge;
  charge.source_wallet_id = kSys.funding;
  charge.destination_wallet_id = kA;
  Transaction reversal = withdrawal;
  reversal.id = "tx-rev";
  reversal.kind = TransactionKind::kReversal;
  for (const auto& t : {withdrawal, charge, reversal}) targets_.originals[t.id] = t;
  auto p = make(100, 0);
  const auto reverse = [&](const std::string& id, bool may_charge) {
    return act(p, OperationKind::kReversal, id, 0, may_charge);
  };
  EXPECT_EQ(reverse("tx-wd", true).error->code(), ErrorCode::kTransactionNotReversible);
  EXPECT_EQ(reverse("tx-rev", true).error->code(), ErrorCode::kTransactionNotReversible);
  EXPECT_EQ(reverse("tx-charge", false).error->code(), ErrorCode::kForbidden);
  EXPECT_TRUE(p.writes().accounts.empty());
}

}  // namespace
}  // namespace wallet
