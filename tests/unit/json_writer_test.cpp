// The JSON written straight to text (answers, events) must be what the nlohmann trees it
// replaced wrote: the same bytes, escapes and member order, so no client or consumer sees a
// change.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "core/json_codec.hpp"
#include "core/json_writer.hpp"

namespace wallet {
namespace {

std::string written_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonWriter, StringsAreEscapedAsNlohmannDumpsThem) {
  std::string every_ascii;
  for (int c = 0; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
  for (const std::string& s : {std::string(), every_ascii, std::string("zoë, 東京, 😀"), std::string("a\"b\\c\nd")}) {
    EXPECT_EQ(written_string(s), nlohmann::json(s).dump()) << s;
  }
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 0x7f);
  for (int i = 0; i < 200; ++i) {
    std::string s;
    for (int n = 0; n < 20; ++n) s.push_back(static_cast<char>(byte(random)));
    s += "é";
    EXPECT_EQ(written_string(s), nlohmann::json(s).dump());
  }
}

TEST(JsonWriter, TextThatIsNotUtf8IsRefusedRatherThanWrittenAsInvalidJson) {
  std::string out;
  EXPECT_THROW(append_json_string(out, "\xff\xfe"), std::invalid_argument);
  EXPECT_THROW(JsonWriter().key("a").string("caf\xc3"), std::invalid_argument);
}

TEST(JsonWriter, NestedValuesAreSeparatedByCommasWhereverTheyNest) {
  JsonWriter out;
  out.begin_object();
  out.key("n").number(std::numeric_limits<std::int64_t>::min());
  out.key("list").begin_array();
  out.begin_object().key("a").boolean(true).key("b").null().end_object();
  out.begin_array().end_array();
  out.number(std::numeric_limits<std::int64_t>::max()).raw(R"({"x":1})").optional_string(std::nullopt);
  out.end_array();
  out.key("m").metadata({{"k1", "v"}, {"k0", "w"}});
  out.key("empty").begin_object().end_object();
  out.end_object();
  const auto expected = nlohmann::json::parse(
      R"({"n":-9223372036854775808,"list":[{"a":true,"b":null},[],9223372036854775807,{"x":1},null],)"
      R"("m":{"k0":"w","k1":"v"},"empty":{}})");
  EXPECT_EQ(nlohmann::json::parse(out.text()), expected);
  EXPECT_EQ(out.text().find(",,"), std::string::npos);
}

TEST(JsonWriter, WithMemberAddsOneMemberToAnObject) {
  EXPECT_EQ(with_member(R"({"a":1})", "b", R"({"c":[]})"), R"({"a":1,"b":{"c":[]}})");
  EXPECT_THROW(with_member("{}", "b", "1"), std::invalid_argument);
  EXPECT_THROW(with_member("[1]", "b", "1"), std::invalid_argument);
}

nlohmann::json text_or_null(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nullptr; }

// Every member set, the optional ones too, with text that needs escaping.
Transaction full_transaction() {
  Transaction t;
  t.id = "6b0c2d4e-0000-4000-8000-000000000001";
  t.kind = TransactionKind::kReversal;
  t.status = TransactionStatus::kCompleted;
  t.amount = Money(-42);
  t.currency = "EUR";
  t.source_wallet_id = "src";
  t.destination_wallet_id = "dst";
  t.idempotency_key = "key \"1\"";
  t.reference = "ref\ttab";
  t.release_at = "2026-12-07T22:00:00Z";
  t.created_at = "2026-12-07T21:00:00.123456Z";
  t.reverses = "orig";
  t.reason = "refund, ünïcode";
  t.pending_transfer_id = std::nullopt;
  t.reversed_amount = Money(5);
  t.metadata = {{"order", "o-1"}, {"a.b", "c\\d"}};
  return t;
}

TEST(JsonCodec, ATransactionIsWrittenAsItsTreeWasDumped) {
  const auto t = full_transaction();
  const nlohmann::json tree = {{"id", t.id},
                               {"kind", "reversal"},
                               {"status", "completed"},
                               {"amount", -42},
                               {"currency", t.currency},
                               {"source_wallet_id", t.source_wallet_id},
                               {"destination_wallet_id", t.destination_wallet_id},
                               {"idempotency_key", text_or_null(t.idempotency_key)},
                               {"reference", text_or_null(t.reference)},
                               {"release_at", text_or_null(t.release_at)},
                               {"reversed_amount", 5},
                               {"reverses", text_or_null(t.reverses)},
                               {"reason", text_or_null(t.reason)},
                               {"pending_transfer_id", nullptr},
                               {"metadata", t.metadata},
                               {"created_at", t.created_at}};
  EXPECT_EQ(json_text(t), tree.dump());
  EXPECT_EQ(to_json(t), tree);
}

TEST(JsonCodec, APendingTransferAWithdrawalAWalletAndABalanceAreWrittenAsTheirTreesWereDumped) {
  PendingTransfer p;
  p.id = "p";
  p.state = TransferState::kPosted;
  p.amount = Money(100);
  p.captured_amount = Money(60);
  p.released_amount = Money(40);
  p.currency = "USD";
  p.source_wallet_id = "s";
  p.destination_wallet_id = "d";
  p.capture_transaction_id = "c";
  p.reference = "r";
  p.expires_at = "e";
  p.metadata = {{"k", "v"}};
  p.close_metadata = {{"why", "done"}};
  p.created_at = "c1";
  p.updated_at = "u1";
  p.closed_at = "x1";
  EXPECT_EQ(json_text(p), nlohmann::json({{"id", "p"},
                                          {"state", "posted"},
                                          {"amount", 100},
                                          {"pending_amount", 0},
                                          {"captured_amount", 60},
                                          {"released_amount", 40},
                                          {"currency", "USD"},
                                          {"source_wallet_id", "s"},
                                          {"destination_wallet_id", "d"},
                                          {"capture_transaction_id", "c"},
                                          {"idempotency_key", nullptr},
                                          {"reference", "r"},
                                          {"expires_at", "e"},
                                          {"metadata", p.metadata},
                                          {"close_metadata", p.close_metadata},
                                          {"created_at", "c1"},
                                          {"updated_at", "u1"},
                                          {"closed_at", "x1"}})
                              .dump());

  Withdrawal w;
  w.id = "w";
  w.wallet_id = "wa";
  w.amount = Money(9);
  w.currency = "USD";
  w.status = WithdrawalStatus::kNeedsReview;
  w.attempts = 3;
  w.failure_reason = "bank said \"no\"";
  w.transaction_id = "t";
  w.possibly_paid = true;
  w.resolution = WithdrawalResolution::kRefund;
  w.created_at = "c";
  w.updated_at = "u";
  EXPECT_EQ(json_text(w), nlohmann::json({{"id", "w"},
                                          {"wallet_id", "wa"},
                                          {"amount", 9},
                                          {"currency", "USD"},
                                          {"status", "needs_review"},
                                          {"attempts", 3},
                                          {"failure_reason", w.failure_reason.value()},
                                          {"transaction_id", "t"},
                                          {"possibly_paid", true},
                                          {"resolution", "refund"},
                                          {"resolved_at", nullptr},
                                          {"metadata", nlohmann::json::object()},
                                          {"created_at", "c"},
                                          {"updated_at", "u"}})
                              .dump());
  w.resolution.reset();
  EXPECT_TRUE(to_json(w)["resolution"].is_null());

  Wallet wallet;
  wallet.id = "i";
  wallet.user_id = "alice";
  wallet.currency = "EUR";
  wallet.balance = Money(500);
  wallet.held = Money(100);
  wallet.pending_out = Money(50);
  wallet.pending_in = Money(7);
  wallet.frozen_at = "f";
  wallet.overdraft_limit = Money(20);
  wallet.created_at = "c";
  wallet.updated_at = "u";
  EXPECT_EQ(json_text(wallet), nlohmann::json({{"id", "i"},
                                               {"user_id", "alice"},
                                               {"currency", "EUR"},
                                               {"balance", 500},
                                               {"available", 350},
                                               {"held", 100},
                                               {"pending_out", 50},
                                               {"pending_in", 7},
                                               {"metadata", nlohmann::json::object()},
                                               {"frozen", true},
                                               {"frozen_at", "f"},
                                               {"frozen_reason", nullptr},
                                               {"overdraft_limit", 20},
                                               {"created_at", "c"},
                                               {"updated_at", "u"}})
                                   .dump());

  BalanceAt b;
  b.wallet_id = "i";
  b.user_id = "alice";
  b.currency = "EUR";
  b.at = "a";
  b.balance = Money(10);
  b.held = Money(1);
  b.pending_out = Money(2);
  b.pending_in = Money(3);
  EXPECT_EQ(json_text(b), nlohmann::json({{"id", "i"},
                                          {"user_id", "alice"},
                                          {"currency", "EUR"},
                                          {"at", "a"},
                                          {"balance", 10},
                                          {"available", 7},
                                          {"held", 1},
                                          {"pending_out", 2},
                                          {"pending_in", 3}})
                              .dump());
}

TEST(JsonCodec, AHistoryLineIsItsTransactionWithTheWalletsChange) {
  HistoryItem item;
  item.transaction = full_transaction();
  item.wallet_id = "dst";
  item.entry_amount = Money(-42);
  item.balance_after = Money(958);
  auto expected = to_json(item.transaction);
  expected["wallet_id"] = "dst";
  expected["entry_amount"] = -42;
  expected["balance_after"] = 958;
  EXPECT_EQ(nlohmann::json::parse(json_text(item)), expected);
}

}  // namespace
}  // namespace wallet
