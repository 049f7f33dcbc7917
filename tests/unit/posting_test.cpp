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
    return Posting({{kA, {Money(a), Money(held_a)}},
                    {kB, {Money(b), Money(0)}},
                    {kSys.funding, {Money(0), Money(0)}},
                    {kSys.clearing, {Money(0), Money(0)}}},
                   {{"USD", kSys}}, now_, "2026-01-01T00:00:00Z");
  }
  ResolvedOperation resolve(const Operation& op, std::string to = "") {
    static int n = 0;
    return {&op, kA, std::move(to), "USD", "tx-" + std::to_string(++n), "wd-" + std::to_string(n)};
  }
  Timestamp now_ = parse_rfc3339("2026-01-01T00:00:00Z");
};

TEST_F(PostingTest, ChargeCreditsTheWalletFromFunding) {
  auto p = make(0, 0);
  Operation op{OperationKind::kCharge, {kA, {}}, {}, Money(500), {}, {}, {}, {}, {}, {}};
  const auto r = p.post(resolve(op));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.transaction->source_wallet_id, kSys.funding);
  EXPECT_EQ(p.writes().balances.at(kA).minor(), 500);
  EXPECT_EQ(p.writes().balances.at(kSys.funding).minor(), -500);
  ASSERT_EQ(p.writes().entries.size(), 2u);
  EXPECT_EQ(p.writes().entries[0].amount.minor() + p.writes().entries[1].amount.minor(), 0);
  ASSERT_EQ(p.writes().events.size(), 1u);
  EXPECT_EQ(p.writes().events[0].type, "charge.completed");
}

TEST_F(PostingTest, TransfersSpendOnlyAvailableFundsAndRefusalsChangeNothing) {
  auto p = make(100, 0, 60);
  Operation too_much{OperationKind::kTransfer, {kA, {}}, kB, Money(41), {}, {}, {}, {}, {}, {}};
  const auto refused = p.post(resolve(too_much, kB));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_TRUE(p.writes().balances.empty());

  Operation fits{OperationKind::kTransfer, {kA, {}}, kB, Money(40), {}, {}, {}, {}, {}, {}};
  ASSERT_TRUE(p.post(resolve(fits, kB)).ok());
  EXPECT_EQ(p.writes().balances.at(kA).minor(), 60);
  EXPECT_EQ(p.writes().balances.at(kB).minor(), 40);
  EXPECT_EQ(p.writes().entries.back().balance_after.minor(), 40);
}

TEST_F(PostingTest, WithdrawalMovesFundsToClearingAndRecordsAPendingRow) {
  auto p = make(100, 0);
  Operation op{OperationKind::kWithdrawal, {kA, {}}, {}, Money(30), {}, {}, {}, {}, {}, {}};
  const auto r = p.post(resolve(op));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.withdrawal->status, WithdrawalStatus::kPending);
  EXPECT_EQ(p.writes().balances.at(kSys.clearing).minor(), 30);
  EXPECT_EQ(p.writes().events.at(0).type, "withdrawal.requested");
}

TEST_F(PostingTest, HeldChargeCountsInBalanceButNotAvailableForLaterOperations) {
  auto p = make(0, 0);
  Operation held{
      OperationKind::kCharge, {kA, {}}, {}, Money(100), {}, parse_rfc3339("2026-02-01T00:00:00Z"), {}, {}, {}, {}};
  ASSERT_TRUE(p.post(resolve(held)).ok());
  ASSERT_EQ(p.writes().holds.size(), 1u);
  Operation spend{OperationKind::kWithdrawal, {kA, {}}, {}, Money(1), {}, {}, {}, {}, {}, {}};
  EXPECT_EQ(p.post(resolve(spend)).error->code(), ErrorCode::kInsufficientFunds);
}

TEST_F(PostingTest, ReleaseTimeInThePastIsRefused) {
  auto p = make(0, 0);
  Operation op{OperationKind::kCharge, {kA, {}}, {}, Money(100), {}, parse_rfc3339("2025-12-31T00:00:00Z"), {}, {}, {}, {}};
  EXPECT_EQ(p.post(resolve(op)).error->code(), ErrorCode::kInvalidReleaseAt);
}

TEST_F(PostingTest, BalanceOverflowIsRefused) {
  auto p = make(std::numeric_limits<std::int64_t>::max() - 5, 0);
  Operation op{OperationKind::kCharge, {kA, {}}, {}, Money(10), {}, {}, {}, {}, {}, {}};
  EXPECT_EQ(p.post(resolve(op)).error->code(), ErrorCode::kBalanceOverflow);
  EXPECT_TRUE(p.writes().balances.empty());
}

// The wallet's holds grow by a held charge: an overflow there is refused before the charge moves
// any money, like an overflow of a balance.
TEST_F(PostingTest, HoldsOverflowIsRefusedBeforeAnyChange) {
  auto p = make(0, 0, std::numeric_limits<std::int64_t>::max() - 5);
  Operation held{
      OperationKind::kCharge, {kA, {}}, {}, Money(10), {}, parse_rfc3339("2026-02-01T00:00:00Z"), {}, {}, {}, {}};
  const auto r = p.post(resolve(held));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code(), ErrorCode::kBalanceOverflow);
  EXPECT_TRUE(p.writes().balances.empty());
  EXPECT_TRUE(p.writes().entries.empty());
  EXPECT_TRUE(p.writes().holds.empty());
}

}  // namespace
}  // namespace wallet
