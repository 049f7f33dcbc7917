#include <gtest/gtest.h>

#include <limits>

#include "core/errors.hpp"
#include "core/money.hpp"

namespace wallet {
namespace {

constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
constexpr auto kMin = std::numeric_limits<std::int64_t>::min();

TEST(Money, AddsAndSubtracts) {
  EXPECT_EQ(Money(5).plus(Money(7))->minor(), 12);
  EXPECT_EQ(Money(5).minus(Money(7))->minor(), -2);
  EXPECT_EQ(Money(5).negated()->minor(), -5);
}

TEST(Money, OverflowIsRefusedNotWrapped) {
  EXPECT_FALSE(Money(kMax).plus(Money(1)).has_value());
  EXPECT_FALSE(Money(kMin).minus(Money(1)).has_value());
  EXPECT_FALSE(Money(kMin).negated().has_value());
  EXPECT_EQ(Money(kMax).minus(Money(kMax))->minor(), 0);
}

TEST(Amount, AcceptsWholeMinorUnitsUpToTheMaximum) {
  EXPECT_EQ(parse_amount("1", kDefaultMaxAmount).minor(), 1);
  EXPECT_EQ(parse_amount("1000000000000000", kDefaultMaxAmount).minor(), kDefaultMaxAmount);
}

TEST(Amount, RejectsEverythingElseWithInvalidAmount) {
  for (const char* bad :
       {"", "0", "-5", "+5", "1.5", "1e3", " 5", "5 ", "abc", "0x10", "1000000000000001", "99999999999999999999999"}) {
    try {
      parse_amount(bad, kDefaultMaxAmount);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const DomainError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidAmount) << bad;
    }
  }
  EXPECT_THROW(checked_amount(0, 10), DomainError);
  EXPECT_THROW(checked_amount(11, 10), DomainError);
}

TEST(Money, FormatsInMajorUnitsOfTheCurrency) {
  EXPECT_EQ(format_major(Money(1234), "USD"), "12.34 USD");
  EXPECT_EQ(format_major(Money(5), "EUR"), "0.05 EUR");
  EXPECT_EQ(format_major(Money(-5), "EUR"), "-0.05 EUR");
  EXPECT_EQ(format_major(Money(100), "JPY"), "100 JPY");
  EXPECT_EQ(format_major(Money(1234), "KWD"), "1.234 KWD");
  EXPECT_EQ(format_major(Money(kMin), "USD"), "-92233720368547758.08 USD");
}

}  // namespace
}  // namespace wallet
