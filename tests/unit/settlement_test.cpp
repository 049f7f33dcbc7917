#include <gtest/gtest.h>

#include <sstream>

#include "core/errors.hpp"
#include "core/settlement.hpp"
#include "core/timestamp.hpp"

namespace wallet {
namespace {

const std::string kWallet = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
const std::string kOther = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6c";
const std::string kHash = std::string(64, 'f');

CsvRecord record(std::vector<std::string> fields, std::uint64_t line = 2) { return {line, std::move(fields), {}}; }

// A row that moves money (throws std::bad_variant_access for a control row).
Operation money_row(const SettlementHeader& h, const CsvRecord& row, const std::string& hash = kHash,
                    const std::string& scope = "") {
  return std::get<Operation>(parse_settlement_row(h, row, kDefaultMaxAmount, hash, scope));
}

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
  const auto op = money_row(h, record({"250", kWallet, "charge"}));
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
    return money_row(h, record(std::move(f), line));
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
  EXPECT_NE(money_row(h, record({"charge", kWallet, "", "", "9", "", "", "", ""}, 10), std::string(64, 'e'))
                .idempotency_key,
            a.idempotency_key);
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

// Two-phase rows: pending opens like a transfer; capture, void and reverse name their row by
// id or by the key of the row that made it, and take no wallets.
TEST(SettlementTwoPhase, PendingCaptureVoidAndReverseRows) {
  const auto h = SettlementHeader::parse(record({"op", "wallet_id", "to_wallet_id", "amount", "idempotency_key",
                                                 "target", "expires_at", "reason"},
                                                1));
  const auto parse = [&](std::vector<std::string> f) {
    return money_row(h, record(std::move(f)), kHash, "replay/acme");
  };
  const auto pending = parse({"pending", kWallet, kOther, "70", "order-9", "", "2030-01-01T00:00:00Z", ""});
  EXPECT_EQ(pending.kind, OperationKind::kPendingTransfer);
  EXPECT_EQ(format_rfc3339(*pending.expires_at), "2030-01-01T00:00:00Z");
  const auto by_key = parse({"capture", "", "", "50", "", "order-9", "", ""});
  EXPECT_EQ(by_key.kind, OperationKind::kCapture);
  EXPECT_EQ(by_key.target_key, "order-9");
  EXPECT_EQ(by_key.key_scope, "replay/acme") << "the target's key is looked up among the file's keys";
  EXPECT_EQ(by_key.amount.minor(), 50);
  const auto by_id = parse({"void", "", "", "", "", kWallet, "", ""});
  EXPECT_EQ(by_id.target, kWallet);
  EXPECT_FALSE(by_id.target_key.has_value());
  const auto reverse = parse({"reverse", "", "", "", "", kOther, "", "refund"});
  EXPECT_EQ(reverse.kind, OperationKind::kReversal);
  EXPECT_EQ(reverse.amount.minor(), 0) << "no amount: all that is left";
  EXPECT_EQ(reverse.reason, "refund");

  const auto error_of = [&](std::vector<std::string> f) {
    try {
      parse(std::move(f));
    } catch (const DomainError& e) {
      return std::string(e.name()) + ": " + e.what();
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of({"capture", kWallet, "", "5", "", "order-9", "", ""}).find("take target"), std::string::npos);
  EXPECT_NE(error_of({"capture", "", "", "5", "", "", "", ""}).find("need target"), std::string::npos);
  EXPECT_NE(error_of({"void", "", "", "5", "", "order-9", "", ""}).find("no amount"), std::string::npos);
  EXPECT_NE(error_of({"transfer", kWallet, kOther, "5", "", "", "2030-01-01T00:00:00Z", ""}).find("expires_at"),
            std::string::npos);
  EXPECT_NE(error_of({"transfer", kWallet, kOther, "5", "", "order-9", "", ""}).find("target is only"),
            std::string::npos);
  EXPECT_NE(error_of({"capture", "", "", "", "", "order-9", "", "why"}).find("reason is only"), std::string::npos);
  EXPECT_EQ(error_of({"pending", kWallet, kOther, "5", "", "", "soon", ""}).rfind("invalid_expires_at", 0), 0u);
  EXPECT_EQ(error_of({"settle", kWallet, kOther, "5", "", "", "", ""}).rfind("invalid_input", 0), 0u);
  // A file of closing rows alone needs no wallet or amount column.
  EXPECT_NO_THROW(SettlementHeader::parse(record({"op", "target"}, 1)));
}

// Controls on a wallet: freeze and unfreeze with a reason, set_limit with the limit in amount;
// by wallet id or user; keyed like operations (their own key in the file's scope, else derived).
TEST(SettlementControl, FreezeUnfreezeAndSetLimitRows) {
  const auto h = SettlementHeader::parse(
      record({"op", "wallet_id", "user_id", "amount", "idempotency_key", "reason", "to_wallet_id", "currency"}, 1));
  const auto parse = [&](std::vector<std::string> f, std::uint64_t line = 2) {
    return std::get<ControlRow>(parse_settlement_row(h, record(std::move(f), line), kDefaultMaxAmount, kHash,
                                                     "replay/acme"));
  };
  const auto freeze = parse({"freeze", kWallet, "", "", "f-1", "fraud review", "", ""});
  EXPECT_EQ(freeze.control.kind, WalletControlKind::kFreeze);
  EXPECT_EQ(freeze.control.wallet.wallet_id, kWallet);
  EXPECT_EQ(freeze.control.reason, "fraud review");
  EXPECT_EQ(freeze.key, (ControlKey{"replay/acme", "f-1"}));
  const auto unfreeze = parse({"unfreeze", "", "alice", "", "", "cleared", "", "EUR"}, 7);
  EXPECT_EQ(unfreeze.control.kind, WalletControlKind::kUnfreeze);
  EXPECT_EQ(unfreeze.control.wallet.user_id, "alice");
  EXPECT_EQ(unfreeze.control.currency, "EUR");
  EXPECT_EQ(unfreeze.key, (ControlKey{"", derived_row_key(kHash, 7)}));
  const auto limit = parse({"set_limit", kWallet, "", "5000", "", "", "", ""});
  EXPECT_EQ(limit.control.kind, WalletControlKind::kSetLimit);
  EXPECT_EQ(limit.control.limit.minor(), 5000);
  EXPECT_EQ(parse({"set_limit", kWallet, "", "0", "", "", "", ""}).control.limit.minor(), 0) << "0 lifts the limit";
  EXPECT_NE(freeze.control.request_hash(), unfreeze.control.request_hash());
  EXPECT_NE(freeze.control.request_hash(), parse({"freeze", kWallet, "", "", "f-1", "other", "", ""}).control.request_hash());

  const auto error_of = [&](std::vector<std::string> f) {
    try {
      parse_settlement_row(h, record(std::move(f)), kDefaultMaxAmount, kHash);
    } catch (const DomainError& e) {
      return std::string(e.name()) + ": " + e.what();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error_of({"freeze", kWallet, "", "", "", "", "", ""}).rfind("invalid_reason", 0), 0u);
  EXPECT_EQ(error_of({"freeze", kWallet, "", "", "", std::string(501, 'r'), "", ""}).rfind("invalid_reason", 0), 0u);
  EXPECT_NE(error_of({"freeze", kWallet, "", "5", "", "why", "", ""}).find("no amount"), std::string::npos);
  EXPECT_NE(error_of({"unfreeze", kWallet, "alice", "", "", "why", "", ""}).find("exactly one"), std::string::npos);
  EXPECT_NE(error_of({"freeze", kWallet, "", "", "", "why", kOther, ""}).find("take a wallet"), std::string::npos);
  EXPECT_EQ(error_of({"set_limit", kWallet, "", "", "", "", "", ""}).rfind("invalid_amount", 0), 0u);
  EXPECT_EQ(error_of({"set_limit", kWallet, "", "-5", "", "", "", ""}).rfind("invalid_amount", 0), 0u);
  EXPECT_NE(error_of({"set_limit", kWallet, "", "5", "", "why", "", ""}).find("no reason"), std::string::npos);
  EXPECT_EQ(error_of({"set_limit", "nope", "", "5", "", "", "", ""}).rfind("invalid_wallet_id", 0), 0u);
  // A file of freezes alone needs no amount column.
  EXPECT_NO_THROW(SettlementHeader::parse(record({"op", "wallet_id", "reason"}, 1)));
}

}  // namespace
}  // namespace wallet
