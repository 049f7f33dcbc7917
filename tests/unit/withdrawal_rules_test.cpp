// Pure rules of withdrawal settlement: retry delays, and settling in the posting.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/posting.hpp"
#include "core/withdrawal_queue.hpp"

namespace wallet {
namespace {

TEST(RetryDelayTest, DoublesPerAttemptUpToTheMaximumWithJitterInTheUpperHalf) {
  for (std::uint64_t random : {0ull, 1ull, 12345ull, ~0ull}) {
    const auto d1 = retry_delay(1, 1000, 60'000, random).count();
    EXPECT_GE(d1, 500);
    EXPECT_LE(d1, 1000);
    const auto d3 = retry_delay(3, 1000, 60'000, random).count();
    EXPECT_GE(d3, 2000);
    EXPECT_LE(d3, 4000);
    const auto d50 = retry_delay(50, 1000, 60'000, random).count();  // no overflow, capped
    EXPECT_GE(d50, 30'000);
    EXPECT_LE(d50, 60'000);
  }
  EXPECT_NE(retry_delay(2, 1000, 60'000, 1).count(), retry_delay(2, 1000, 60'000, 777).count());
}

class SettleTest : public ::testing::Test {
 protected:
  Posting posting(std::int64_t clearing, std::int64_t payouts, std::int64_t wallet) {
    std::map<std::string, AccountState> accounts = {{"clearing", {Money(clearing), Money(0)}},
                                                    {"payouts", {Money(payouts), Money(0)}},
                                                    {"w", {Money(wallet), Money(0)}}};
    std::map<std::string, SystemAccounts> system = {{"USD", {"funding", "clearing", "payouts"}}};
    return Posting(accounts, system, parse_rfc3339("2026-11-22T00:00:00Z"), "2026-11-22T00:00:00Z");
  }
  Withdrawal withdrawal(std::int64_t amount) {
    Withdrawal w;
    w.id = "wd";
    w.wallet_id = "w";
    w.amount = amount;
    w.currency = "USD";
    w.status = "processing";
    w.attempts = 2;
    return w;
  }
};

TEST_F(SettleTest, PaidMovesClearingToPayouts) {
  auto p = posting(300, 0, 10);
  const auto settled = p.settle(withdrawal(300), "tx", std::nullopt);
  EXPECT_EQ(settled.status, "completed");
  EXPECT_EQ(p.writes().balances.at("clearing").minor(), 0);
  EXPECT_EQ(p.writes().balances.at("payouts").minor(), 300);
  EXPECT_EQ(p.writes().balances.count("w"), 0u);
  ASSERT_EQ(p.writes().transactions.size(), 1u);
  EXPECT_EQ(p.writes().transactions[0].kind, "payout");
  ASSERT_EQ(p.writes().events.size(), 1u);
  EXPECT_EQ(p.writes().events[0].type, "withdrawal.completed");
  EXPECT_EQ(p.writes().settled_withdrawals.size(), 1u);
}

TEST_F(SettleTest, RefusedRefundsTheWalletWithTheReason) {
  auto p = posting(300, 0, 10);
  const auto settled = p.settle(withdrawal(300), "tx", std::string("bank answered 422"));
  EXPECT_EQ(settled.status, "failed");
  EXPECT_EQ(*settled.failure_reason, "bank answered 422");
  EXPECT_EQ(p.writes().balances.at("w").minor(), 310);
  EXPECT_EQ(p.writes().balances.at("clearing").minor(), 0);
  EXPECT_EQ(p.writes().transactions[0].kind, "refund");
  EXPECT_EQ(p.writes().events[0].type, "withdrawal.failed");
  long sum = 0;
  for (const auto& e : p.writes().entries) sum += e.amount;
  EXPECT_EQ(sum, 0);
}

}  // namespace
}  // namespace wallet
