#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/timestamp.hpp"

namespace wallet {
namespace {

template <class F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const DomainError& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

TEST(Currency, AcceptsIsoCodesInAnyCaseAndRejectsTheRest) {
  EXPECT_EQ(parse_currency("USD"), "USD");
  EXPECT_EQ(parse_currency("eur"), "EUR");
  for (const char* bad : {"", "US", "USDD", "XYZ", "U$D", "123"}) {
    EXPECT_EQ(code_of([&] { parse_currency(bad); }), ErrorCode::kInvalidCurrency) << bad;
  }
  EXPECT_EQ(currency_minor_digits("JPY"), 0);
  EXPECT_EQ(currency_minor_digits("BHD"), 3);
  EXPECT_EQ(currency_minor_digits("USD"), 2);
}

TEST(Uuid, AcceptsAnyCaseReturnsLowerCase) {
  EXPECT_EQ(parse_uuid("0193A2B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B"), "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
  for (const char* bad : {"", "not-a-uuid", "0193a2b4c5d67e8f9a0b1c2d3e4f5a6b", "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6",
                          "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6g", "{0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6}"}) {
    EXPECT_EQ(code_of([&] { parse_uuid(bad); }), ErrorCode::kInvalidWalletId) << bad;
  }
}

TEST(Uuid, NewIdsAreValidDistinctVersion7) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_uuid();
    EXPECT_EQ(parse_uuid(id), id);
    EXPECT_EQ(id[14], '7');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// Each thread draws ids from its own block of random bytes: blocks must never repeat.
TEST(Uuid, IdsMadeOnManyThreadsAreDistinct) {
  constexpr int kThreads = 8, kEach = 5000;  // several refills of every thread's block
  std::vector<std::vector<std::string>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kEach; ++i) made[static_cast<std::size_t>(t)].push_back(new_uuid());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& ids : made) seen.insert(ids.begin(), ids.end());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(UserId, OneTo128PrintableCharacters) {
  EXPECT_EQ(parse_user_id("alice"), "alice");
  EXPECT_EQ(parse_user_id(std::string(128, 'x')), std::string(128, 'x'));
  EXPECT_EQ(parse_user_id("Zoë 42"), "Zoë 42");
  for (const std::string& bad :
       {std::string(), std::string(129, 'x'), std::string("a\nb"), std::string("\xff\xfe"), std::string("a\0b", 3)}) {
    EXPECT_EQ(code_of([&] { parse_user_id(bad); }), ErrorCode::kInvalidUserId);
  }
}

TEST(IdempotencyKey, OneTo255PrintableAscii) {
  EXPECT_EQ(parse_idempotency_key("order-42/charge"), "order-42/charge");
  EXPECT_EQ(parse_idempotency_key(std::string(255, 'k')), std::string(255, 'k'));
  for (const std::string& bad :
       {std::string(), std::string(256, 'k'), std::string("tab\tkey"), std::string("ключ"), std::string(" padded")}) {
    EXPECT_EQ(code_of([&] { parse_idempotency_key(bad); }), ErrorCode::kInvalidIdempotencyKey) << bad;
  }
}

TEST(Reference, ShortPrintableUtf8) {
  EXPECT_EQ(parse_reference("invoice 7, \"quoted\""), "invoice 7, \"quoted\"");
  EXPECT_EQ(code_of([&] { parse_reference(std::string(256, 'r')); }), ErrorCode::kInvalidReference);
  EXPECT_EQ(code_of([&] { parse_reference("bell\a"); }), ErrorCode::kInvalidReference);
}

TEST(Rfc3339, ParsesOffsetsAndFractionsToUtc) {
  EXPECT_EQ(format_rfc3339(parse_rfc3339("2026-01-31T12:00:00Z")), "2026-01-31T12:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_rfc3339("2026-01-31T12:00:00+02:00")), "2026-01-31T10:00:00Z");
  EXPECT_EQ(format_rfc3339(parse_rfc3339("2026-01-31t23:30:00-01:00")), "2026-02-01T00:30:00Z");
  EXPECT_EQ(format_rfc3339(parse_rfc3339("2026-01-31T12:00:00.5Z")), "2026-01-31T12:00:00.500000Z");
  EXPECT_EQ(pg_timestamp_to_rfc3339("2026-11-22 03:12:51.3+00"), "2026-11-22T03:12:51.300000Z");
}

TEST(Rfc3339, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-01-31", "2026-01-31 12:00:00Z", "2026-02-30T12:00:00Z", "2026-01-31T24:00:00Z", "2026-01-31T12:00:00",
        "2026-01-31T12:00:00+0200", "2026-01-31T12:00:00Zjunk", "1969-12-31T23:59:59Z", "2026-01-31T12:00:00.Z"}) {
    EXPECT_EQ(code_of([&] { parse_rfc3339(bad); }), ErrorCode::kInvalidReleaseAt) << bad;
  }
}

TEST(Utf8, RejectsOverlongAndSurrogates) {
  EXPECT_TRUE(valid_utf8("héllo €"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));
  EXPECT_FALSE(valid_utf8("\xe2\x82"));
}

}  // namespace
}  // namespace wallet
