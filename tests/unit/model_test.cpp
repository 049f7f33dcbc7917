// The model's kinds and statuses keep the names the database, the API and events use, and its
// money stays checked.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/json_codec.hpp"
#include "core/model.hpp"

namespace wallet {
namespace {

template <class Enum>
void expect_round_trip(std::initializer_list<std::pair<Enum, const char*>> values) {
  for (const auto& [value, text] : values) {
    EXPECT_EQ(name(value), text);
    EXPECT_EQ(enum_named<Enum>(text), value) << text;
    EXPECT_EQ(nlohmann::json(value), text) << "JSON writes the name, not a number";
  }
  EXPECT_FALSE(enum_named<Enum>("Completed").has_value());
  EXPECT_FALSE(enum_named<Enum>("").has_value());
}

TEST(ModelTest, EveryKindAndStatusHasTheNameTheDatabaseAndApiUse) {
  expect_round_trip<TransactionKind>({{TransactionKind::kCharge, "charge"},
                                      {TransactionKind::kTransfer, "transfer"},
                                      {TransactionKind::kWithdrawal, "withdrawal"},
                                      {TransactionKind::kRefund, "refund"},
                                      {TransactionKind::kPayout, "payout"}});
  expect_round_trip<TransactionStatus>({{TransactionStatus::kCompleted, "completed"}});
  expect_round_trip<WithdrawalStatus>({{WithdrawalStatus::kPending, "pending"},
                                       {WithdrawalStatus::kProcessing, "processing"},
                                       {WithdrawalStatus::kNeedsReview, "needs_review"},
                                       {WithdrawalStatus::kCompleted, "completed"},
                                       {WithdrawalStatus::kFailed, "failed"}});
  expect_round_trip<WithdrawalResolution>({{WithdrawalResolution::kPaid, "paid"}, {WithdrawalResolution::kRefund, "refund"}});
}

TEST(ModelTest, RepresentationsCarryNamesAndMinorUnits) {
  Withdrawal w;
  w.amount = Money(1250);
  w.status = WithdrawalStatus::kNeedsReview;
  w.resolution = WithdrawalResolution::kRefund;
  const auto j = to_json(w);
  EXPECT_EQ(j["amount"], 1250);
  EXPECT_EQ(j["status"], "needs_review");
  EXPECT_EQ(j["resolution"], "refund");

  Transaction t;
  t.kind = TransactionKind::kPayout;
  t.amount = Money(7);
  EXPECT_EQ(to_json(t)["kind"], "payout");
  EXPECT_EQ(to_json(t)["status"], "completed");
  EXPECT_EQ(to_json(t)["amount"], 7);
}

TEST(ModelTest, AvailableIsCheckedNotWrapped) {
  Wallet w;
  w.balance = Money(100);
  w.held = Money(30);
  EXPECT_EQ(w.available(), Money(70));
  w.balance = Money(std::numeric_limits<std::int64_t>::min());
  w.held = Money(1);
  EXPECT_THROW((void)w.available(), std::overflow_error);
}

}  // namespace
}  // namespace wallet
