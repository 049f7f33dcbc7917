#include <gtest/gtest.h>

#include <sstream>

#include "core/errors.hpp"
#include "core/settlement.hpp"

namespace wallet {
namespace {

const std::string kWallet = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
const std::string kOther = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6c";
const std::string kHash = std::string(64, 'f');

CsvRecord record(std::vector<std::string> fields, std::uint64_t line = 2) { return {line, std::move(fields), {}}; }

std::string header_error(std::vector<std::string> names) {
  try {
    SettlementHeader::parse(record(std::move(names), 1));
  } catch (const DomainError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(SettlementHeader, ColumnsByNameInAnyOrder) {
  const auto h = SettlementHeader::parse(record({"amount", "wallet_id", "op"}, 1));
  const auto op = parse_settlement_row(h, record({"250", kWallet, "charge"}), kDefaultMaxAmount, kHash);
  EXPECT_EQ(op.kind, OperationKind::kCharge);
  EXPECT_EQ(op.amount.minor(), 250);
  EXPECT_EQ(op.wallet.wallet_id, kWallet);
}

TEST(SettlementHeader, UnknownRepeatedOrMissingColumnsMakeTheFileUnreadable) {
  EXPECT_NE(header_error({"op", "amount", "wallet_id", "colour"}).find("unknown column 'colour'"), std::string::npos);
  EXPECT_NE(header_error({"op", "amount", "amount", "wallet_id"}).find("appears twice"), std::string::npos);
  EXPECT_NE(header_error({"op", "wallet_id"}).find("needs the columns"), std::string::npos);
  EXPECT_NE(header_error({"amount", "user_id"}).find("needs the columns"), std::string::npos);
}

class SettlementRow : public ::testing::Test {
 protected:
  SettlementHeader h = SettlementHeader::parse(record({"op", "wallet_id", "user_id", "to_wallet_id", "amount",
                                                       "currency", "idempotency_key", "reference", "release_at"},
                                                      1));
  Operation parse(std::vector<std::string> f, std::uint64_t line = 2) {
    return parse_settlement_row(h, record(std::move(f), line), kDefaultMaxAmount, kHash);
  }
  ErrorCode error_of(std::vector<std::string> f) {
    try {
      parse(std::move(f));
    } catch (const DomainError& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  }
};

TEST_F(SettlementRow, EveryOperationKind) {
  const auto t = parse({"transfer", kWallet, "", kOther, "5", "USD", "k1", "ref, with comma", ""});
  EXPECT_EQ(t.kind, OperationKind::kTransfer);
  EXPECT_EQ(t.to_wallet_id, kOther);
  EXPECT_EQ(t.idempotency_key, "k1");
  EXPECT_EQ(t.reference, "ref, with comma");
  const auto w = parse({"withdraw", "", "alice", "", "7", "", "", "", ""});
  EXPECT_EQ(w.kind, OperationKind::kWithdrawal);
  EXPECT_EQ(w.wallet.user_id, "alice");
  const auto c = parse({"charge", kWallet, "", "", "9", "", "", "", "2030-01-01T00:00:00Z"});
  EXPECT_TRUE(c.release_at.has_value());
}

TEST_F(SettlementRow, RowsWithoutAKeyGetOneFromTheFileAndLine) {
  const auto a = parse({"charge", kWallet, "", "", "9", "", "", "", ""}, 10);
  const auto b = parse({"charge", kWallet, "", "", "9", "", "", "", ""}, 11);
  EXPECT_EQ(a.idempotency_key, derived_row_key(kHash, 10));
  EXPECT_NE(a.idempotency_key, b.idempotency_key);
  EXPECT_EQ(parse_settlement_row(h, record({"charge", kWallet, "", "", "9", "", "", "", ""}, 10), kDefaultMaxAmount,
                                 std::string(64, 'e'))
                    .idempotency_key == a.idempotency_key,
            false);
}

TEST_F(SettlementRow, EveryKindOfBadRowNamesItsReason) {
  EXPECT_EQ(error_of({"refund", kWallet, "", "", "1", "", "", "", ""}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "1.5", "", "", "", ""}), ErrorCode::kInvalidAmount);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "", "", "", "", ""}), ErrorCode::kInvalidAmount);
  EXPECT_EQ(error_of({"charge", "nope", "", "", "1", "", "", "", ""}), ErrorCode::kInvalidWalletId);
  EXPECT_EQ(error_of({"charge", kWallet, "alice", "", "1", "", "", "", ""}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"charge", "", "", "", "1", "", "", "", ""}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"transfer", kWallet, "", "", "1", "", "", "", ""}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"charge", kWallet, "", kOther, "1", "", "", "", ""}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "1", "EURO", "", "", ""}), ErrorCode::kInvalidCurrency);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "1", "", "", "", "soon"}), ErrorCode::kInvalidReleaseAt);
  EXPECT_EQ(error_of({"withdraw", kWallet, "", "", "1", "", "", "", "2030-01-01T00:00:00Z"}), ErrorCode::kInvalidInput);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "1", "", std::string(300, 'k'), "", ""}),
            ErrorCode::kInvalidIdempotencyKey);
  EXPECT_EQ(error_of({"charge", kWallet, "", "", "1"}), ErrorCode::kInvalidInput);  // wrong column count
  try {
    parse_settlement_row(h, CsvRecord{3, {"x"}, "a quote inside an unquoted field"}, kDefaultMaxAmount, kHash);
    FAIL();
  } catch (const DomainError& e) {
    EXPECT_NE(std::string(e.what()).find("quote"), std::string::npos);
  }
}

}  // namespace
}  // namespace wallet
