// Pure rules of withdrawal settlement: retry delays, and settling in the posting.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/posting.hpp"
#include "core/withdrawal_queue.hpp"
#include "daemon/payouts/bank_gateway.hpp"

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
    const auto account = [](std::int64_t balance) {
      AccountState a;
      a.balance = Money(balance);
      return a;
    };
    std::map<std::string, AccountState> accounts = {
        {"clearing", account(clearing)}, {"payouts", account(payouts)}, {"w", account(wallet)}};
    std::map<std::string, SystemAccounts> system = {{"USD", {"funding", "clearing", "payouts", {}}}};
    return Posting(accounts, system, parse_rfc3339("2026-11-22T00:00:00Z"), "2026-11-22T00:00:00Z");
  }
  Withdrawal withdrawal(std::int64_t amount) {
    Withdrawal w;
    w.id = "wd";
    w.wallet_id = "w";
    w.amount = Money(amount);
    w.currency = "USD";
    w.status = WithdrawalStatus::kProcessing;
    w.attempts = 2;
    return w;
  }
};

TEST_F(SettleTest, PaidMovesClearingToPayouts) {
  auto p = posting(300, 0, 10);
  const auto settled = p.settle(withdrawal(300), "tx", true);
  ASSERT_TRUE(settled);
  EXPECT_EQ(settled->status, WithdrawalStatus::kCompleted);
  EXPECT_EQ(p.writes().accounts.at("clearing").balance.minor(), 0);
  EXPECT_EQ(p.writes().accounts.at("payouts").balance.minor(), 300);
  EXPECT_EQ(p.writes().accounts.count("w"), 0u);
  ASSERT_EQ(p.writes().transactions.size(), 1u);
  EXPECT_EQ(p.writes().transactions[0].kind, TransactionKind::kPayout);
  ASSERT_EQ(p.writes().events.size(), 1u);
  EXPECT_EQ(p.writes().events[0].type, "withdrawal.completed");
  EXPECT_EQ(p.writes().settled_withdrawals.size(), 1u);
}

TEST_F(SettleTest, RefusedRefundsTheWalletWithTheReason) {
  auto p = posting(300, 0, 10);
  auto refused = withdrawal(300);
  refused.failure_reason = "bank answered 422";
  const auto settled = p.settle(refused, "tx", false);
  ASSERT_TRUE(settled);
  EXPECT_EQ(settled->status, WithdrawalStatus::kFailed);
  EXPECT_EQ(*settled->failure_reason, "bank answered 422");
  EXPECT_EQ(p.writes().accounts.at("w").balance.minor(), 310);
  EXPECT_EQ(p.writes().accounts.at("clearing").balance.minor(), 0);
  EXPECT_EQ(p.writes().transactions[0].kind, TransactionKind::kRefund);
  EXPECT_EQ(p.writes().events[0].type, "withdrawal.failed");
  long sum = 0;
  for (const auto& e : p.writes().entries) sum += e.amount.minor();
  EXPECT_EQ(sum, 0);
}

}  // namespace
}  // namespace wallet

namespace wallet {
namespace {

class DecidePayoutTest : public ::testing::Test {
 protected:
  DecidePayoutTest() {
    config.max_attempts = 3;
    config.backoff_initial_ms = 100;
    config.backoff_max_ms = 1000;
    config.review_retry_seconds = 900;
  }
  PayoutDecision decide(std::int64_t attempts_before, bool possibly_paid, PayoutStatus status,
                        std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
    Withdrawal w;
    w.attempts = attempts_before;
    w.claims = attempts_before + 1;
    w.possibly_paid = possibly_paid;
    return decide_payout(w, {status, "bank said so", retry_after}, config, 7);
  }
  Settings::Withdrawals config;
};

TEST_F(DecidePayoutTest, PaidCompletesWhateverCameBefore) {
  for (bool possibly_paid : {false, true}) {
    const auto d = decide(2, possibly_paid, PayoutStatus::kPaid);
    EXPECT_EQ(d.next, PayoutNext::kComplete);
    EXPECT_EQ(d.attempts, 3);
    EXPECT_TRUE(d.reason.empty());
  }
}

TEST_F(DecidePayoutTest, ARefusalIsBelievedOnlyWhenNoCallMayHavePaid) {
  EXPECT_EQ(decide(0, false, PayoutStatus::kRefused).next, PayoutNext::kRefund);
  const auto after_unknown = decide(0, true, PayoutStatus::kRefused);
  EXPECT_EQ(after_unknown.next, PayoutNext::kRetry);
  EXPECT_NE(after_unknown.reason.find("not believed"), std::string::npos);
  EXPECT_EQ(decide(2, true, PayoutStatus::kRefused).next, PayoutNext::kReview);
}

// The reproduction: the first call paid but its answer was lost (unknown), the second found
// the bank refusing connections (transient) with attempts used up. That was refunded.
TEST_F(DecidePayoutTest, AnUnknownOutcomeIsNeverRefundedWhenAttemptsRunOut) {
  config.max_attempts = 2;
  const auto first = decide(0, false, PayoutStatus::kUnknown);
  EXPECT_EQ(first.next, PayoutNext::kRetry);
  EXPECT_TRUE(first.possibly_paid);
  const auto second = decide(first.attempts, first.possibly_paid, PayoutStatus::kTransient);
  EXPECT_EQ(second.next, PayoutNext::kReview);
  EXPECT_TRUE(second.possibly_paid);
  EXPECT_EQ(second.delay_ms, 900'000);  // retried slowly
  EXPECT_EQ(decide(5, true, PayoutStatus::kUnknown).next, PayoutNext::kReview);
}

TEST_F(DecidePayoutTest, TransientFailuresRefundOnlyWhenNothingWasEverUnknown) {
  EXPECT_EQ(decide(0, false, PayoutStatus::kTransient).next, PayoutNext::kRetry);
  const auto last = decide(2, false, PayoutStatus::kTransient);
  EXPECT_EQ(last.next, PayoutNext::kRefund);
  EXPECT_NE(last.reason.find("gave up after 3 attempts"), std::string::npos);
}

TEST_F(DecidePayoutTest, ACallThatNeverReachedTheBankIsNoAttempt) {
  PayoutResult unreachable{PayoutStatus::kTransient, "bank unreachable", std::nullopt, false};
  Withdrawal w;
  w.attempts = 2;
  w.claims = 6;
  const auto d = decide_payout(w, unreachable, config, 7);
  EXPECT_EQ(d.next, PayoutNext::kRetry);  // not refunded: attempts did not run out
  EXPECT_EQ(d.attempts, 2);
  EXPECT_GE(d.delay_ms, 500);  // backs off by claims: the sixth try waits the most
}

TEST_F(DecidePayoutTest, RetryAfterIsHonouredWhenLongerThanTheBackoff) {
  EXPECT_LE(decide(0, false, PayoutStatus::kTransient).delay_ms, 100);
  EXPECT_EQ(decide(0, false, PayoutStatus::kTransient, std::chrono::milliseconds(30'000)).delay_ms, 30'000);
}

TEST(BankAnswerTest, StatusCodesMeanWhatTheIssueSays) {
  using daemon::classify_bank_answer;
  for (int paid : {200, 201, 202, 299}) EXPECT_EQ(classify_bank_answer(paid, "", "").status, PayoutStatus::kPaid);
  for (int transient : {408, 409, 425, 429, 500, 502, 503, 504, 599}) {
    EXPECT_EQ(classify_bank_answer(transient, "", "").status, PayoutStatus::kTransient) << transient;
  }
  for (int refused : {400, 401, 403, 404, 410, 422, 451}) {
    const auto r = classify_bank_answer(refused, "account closed\n", "");
    EXPECT_EQ(r.status, PayoutStatus::kRefused) << refused;
    EXPECT_NE(r.reason.find("account closed?"), std::string::npos) << r.reason;
  }
  for (int odd : {100, 301, 302, 304}) EXPECT_EQ(classify_bank_answer(odd, "", "").status, PayoutStatus::kUnknown);
}

TEST(BankAnswerTest, RetryAfterInSecondsOrAsADateIsReadAndCapped) {
  using daemon::classify_bank_answer;
  EXPECT_EQ(classify_bank_answer(429, "", "7").retry_after, std::chrono::milliseconds(7000));
  EXPECT_EQ(classify_bank_answer(503, "", "99999999").retry_after, std::chrono::milliseconds(86'400'000));
  EXPECT_EQ(classify_bank_answer(503, "", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after, std::chrono::milliseconds(0));
  EXPECT_FALSE(classify_bank_answer(503, "", "soon").retry_after);
  EXPECT_FALSE(classify_bank_answer(503, "", "-5").retry_after);
  EXPECT_FALSE(classify_bank_answer(503, "", "").retry_after);
}

TEST(BankAnswerTest, OnlyFailuresBeforeSendingAreTransient) {
  using daemon::classify_bank_failure;
  EXPECT_EQ(classify_bank_failure(httplib::Error::Connection, false).status, PayoutStatus::kTransient);
  EXPECT_EQ(classify_bank_failure(httplib::Error::ConnectionTimeout, false).status, PayoutStatus::kTransient);
  EXPECT_EQ(classify_bank_failure(httplib::Error::Read, false).status, PayoutStatus::kUnknown);
  EXPECT_EQ(classify_bank_failure(httplib::Error::Write, false).status, PayoutStatus::kUnknown);
  const auto late = classify_bank_failure(httplib::Error::Canceled, true);
  EXPECT_EQ(late.status, PayoutStatus::kUnknown);
  EXPECT_NE(late.reason.find("deadline"), std::string::npos);
}

}  // namespace
}  // namespace wallet
