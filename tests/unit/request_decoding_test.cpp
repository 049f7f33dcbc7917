// Request bodies of the HTTP API: strict JSON, known fields only, each field validated with
// its own error code.
#include <gtest/gtest.h>

#include "daemon/http/json_body.hpp"
#include "daemon/http/requests.hpp"

namespace wallet::daemon {
namespace {

const std::string kWallet = "0190a5e4-8c1e-7c3a-9f00-000000000001";
const std::string kOther = "0190a5e4-8c1e-7c3a-9f00-000000000002";

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DomainError& e) {
    return std::string(e.name());
  }
  return "accepted";
}

TEST(RequestDecodingTest, ChargeByWalletOrUser) {
  Settings s;
  const auto op = decode_charge(R"({"wallet_id":")" + kWallet + R"(","amount":250,"reference":"top-up"})", {}, s);
  EXPECT_EQ(op.kind, OperationKind::kCharge);
  EXPECT_EQ(*op.wallet.wallet_id, kWallet);
  EXPECT_EQ(op.amount.minor(), 250);
  EXPECT_EQ(*op.reference, "top-up");
  const auto by_user = decode_charge(R"({"user_id":42,"amount":1,"currency":"EUR"})", {}, s);
  EXPECT_EQ(*by_user.wallet.user_id, "42");  // an integer user id is its decimal text
  EXPECT_EQ(*by_user.currency, "EUR");
  const auto upper = decode_charge(R"({"wallet_id":"0190A5E4-8C1E-7C3A-9F00-00000000000A","amount":1})", {}, s);
  EXPECT_EQ(*upper.wallet.wallet_id, "0190a5e4-8c1e-7c3a-9f00-00000000000a");
}

TEST(RequestDecodingTest, IdempotencyKeyFromHeaderOrBody) {
  Settings s;
  const std::string body = R"({"sender_id":")" + kWallet + R"(","receiver_id":")" + kOther + R"(","amount":5)";
  EXPECT_EQ(*decode_transfer(body + "}", std::string("h-1"), s).idempotency_key, "h-1");
  EXPECT_EQ(*decode_transfer(body + R"(,"idempotency_key":"b-1"})", {}, s).idempotency_key, "b-1");
  EXPECT_EQ(*decode_transfer(body + R"(,"idempotency_key":"same"})", std::string("same"), s).idempotency_key, "same");
  EXPECT_EQ(code_of([&] { decode_transfer(body + R"(,"idempotency_key":"b-1"})", std::string("h-1"), s); }),
            "invalid_idempotency_key");
}

TEST(RequestDecodingTest, NullMeansAbsentForOptionalFields) {
  Settings s;
  const auto op =
      decode_withdraw(R"({"wallet_id":")" + kWallet + R"(","amount":3,"reference":null,"currency":null})", {}, s);
  EXPECT_FALSE(op.reference.has_value());
  EXPECT_FALSE(op.currency.has_value());
}

struct BadBody {
  std::string body;
  std::string code;
};

TEST(RequestDecodingTest, EveryMalformedChargeGetsItsCode) {
  Settings s;
  const std::string w = R"("wallet_id":")" + kWallet + R"(")";
  const std::vector<BadBody> cases = {
      {"", "invalid_json"},
      {"{", "invalid_json"},
      {"nul", "invalid_json"},
      {"[]", "invalid_json"},
      {"42", "invalid_json"},
      {R"("text")", "invalid_json"},
      {"{" + w + R"(,"amount":1} trailing)", "invalid_json"},
      {"{" + w + R"(,"amount":1e00615})", "invalid_json"},  // beyond a double: found by the fuzzer
      {"{" + w + R"(,"amount":1,"amount":2})", "invalid_json"},
      {"{" + w + R"(,"amount":{"nested":{"deep":1}}})", "invalid_json"},
      {"{\"user_id\":\"\xff\xfe\",\"amount\":1}", "invalid_json"},
      {"{" + w + R"(,"amount":1,"amout":2})", "unknown_field"},
      {"{" + w + "}", "missing_field"},
      {R"({"amount":1})", "missing_field"},
      {"{" + w + R"(,"amount":null})", "missing_field"},
      {"{" + w + R"(,"amount":1.5})", "invalid_amount"},
      {"{" + w + R"(,"amount":1e3})", "invalid_amount"},
      {"{" + w + R"(,"amount":"100"})", "invalid_amount"},
      {"{" + w + R"(,"amount":0})", "invalid_amount"},
      {"{" + w + R"(,"amount":-5})", "invalid_amount"},
      {"{" + w + R"(,"amount":1000000000000001})", "invalid_amount"},
      {"{" + w + R"(,"amount":9223372036854775808})", "invalid_amount"},
      {"{" + w + R"(,"amount":18446744073709551616})", "invalid_amount"},
      {"{" + w + R"(,"amount":true})", "invalid_amount"},
      {"{" + w + R"(,"amount":[1]})", "invalid_amount"},
      {R"({"wallet_id":"not-a-uuid","amount":1})", "invalid_wallet_id"},
      {R"({"wallet_id":12,"amount":1})", "invalid_wallet_id"},
      {R"({"user_id":"","amount":1})", "invalid_user_id"},
      {R"({"user_id":")" + std::string(129, 'u') + R"(","amount":1})", "invalid_user_id"},
      {R"({"user_id":"a\u0000b","amount":1})", "invalid_user_id"},
      {R"({"user_id":1.5,"amount":1})", "invalid_user_id"},
      {"{" + w + R"(,"user_id":"u","amount":1})", "invalid_input"},
      {"{" + w + R"(,"amount":1,"currency":"US"})", "invalid_currency"},
      {"{" + w + R"(,"amount":1,"currency":"XXZ"})", "invalid_currency"},
      {"{" + w + R"(,"amount":1,"currency":5})", "invalid_currency"},
      {"{" + w + R"(,"amount":1,"release_at":"tomorrow"})", "invalid_release_at"},
      {"{" + w + R"(,"amount":1,"release_at":1700000000})", "invalid_release_at"},
      {"{" + w + R"(,"amount":1,"idempotency_key":""})", "invalid_idempotency_key"},
      {"{" + w + R"(,"amount":1,"idempotency_key":")" + std::string(256, 'k') + R"("})", "invalid_idempotency_key"},
      {"{" + w + R"(,"amount":1,"reference":")" + std::string(256, 'r') + R"("})", "invalid_reference"},
      {"{" + w + R"(,"amount":1,"reference":"line\nbreak"})", "invalid_reference"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(code_of([&] { decode_charge(c.body, {}, s); }), c.code) << c.body.substr(0, 120);
  }
}

TEST(RequestDecodingTest, TransfersAndWalletsHaveTheirOwnFields) {
  Settings s;
  EXPECT_EQ(code_of([&] { decode_transfer(R"({"sender_id":")" + kWallet + R"(","amount":1})", {}, s); }),
            "missing_field");
  EXPECT_EQ(code_of([&] {
              decode_transfer(
                  R"({"sender_id":")" + kWallet + R"(","receiver_id":")" + kOther + R"(","amount":1,"currency":"USD"})",
                  {}, s);
            }),
            "unknown_field");
  EXPECT_EQ(
      code_of([&] { decode_withdraw(R"({"user_id":"u","amount":1,"release_at":"2030-01-01T00:00:00Z"})", {}, s); }),
      "unknown_field");
  EXPECT_EQ(decode_create_wallet(R"({"user_id":"alice"})", s).currency, "USD");
  EXPECT_EQ(code_of([&] { decode_create_wallet(R"({"currency":"USD"})", s); }), "missing_field");
  EXPECT_EQ(code_of([&] { decode_create_wallet(R"({"user_id":"a","extra":1})", s); }), "unknown_field");
}

}  // namespace
}  // namespace wallet::daemon
