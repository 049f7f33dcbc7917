// Metadata: what a client may attach, refused with invalid_metadata naming the problem, in one
// canonical form that the idempotency hash includes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/metadata.hpp"
#include "core/operations.hpp"
#include "daemon/http/requests.hpp"

namespace wallet {
namespace {

using nlohmann::json;

// The error's code and detail, or "accepted".
std::pair<std::string, std::string> refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const DomainError& e) {
    return {std::string(e.name()), e.what()};
  }
  return {"accepted", ""};
}

json pairs(int n, std::size_t value_bytes = 1) {
  json j = json::object();
  for (int i = 0; i < n; ++i) j["k" + std::to_string(i)] = std::string(value_bytes, 'v');
  return j;
}

TEST(Metadata, AcceptsStringPairsWithinTheLimits) {
  const auto m = parse_metadata(json{{"order_id", "A17"}, {"Channel.web-2_x", ""}, {"note", "café ☕"}});
  EXPECT_EQ(m.at("order_id"), "A17");
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(parse_metadata(pairs(16)).size(), 16u);
  EXPECT_EQ(parse_metadata(json{{std::string(64, 'k'), std::string(512, 'v')}}).size(), 1u);
  // 7 pairs of 2 + 512 bytes = 3598; 8 would be 4112.
  EXPECT_EQ(parse_metadata(pairs(7, 512)).size(), 7u);
  EXPECT_TRUE(parse_metadata(json::object()).empty());
}

TEST(Metadata, RefusesEverythingElseNamingTheProblem) {
  const std::vector<std::pair<json, std::string>> cases{
      {json::array(), "must be a JSON object"},
      {json("order=A17"), "must be a JSON object"},
      {pairs(17), "at most 16 keys"},
      {json{{"", "x"}}, "must be 1 to 64 characters"},
      {json{{std::string(65, 'k'), "x"}}, "must be 1 to 64 characters"},
      {json{{"order id", "x"}}, "only letters, digits"},
      {json{{"ordér", "x"}}, "only letters, digits"},
      {json{{"n", 5}}, "value of 'n' must be a string, got number"},
      {json{{"n", nullptr}}, "must be a string, got null"},
      {json{{"n", json::object()}}, "must be a string, got object"},
      {json{{"n", std::string(513, 'v')}}, "longer than 512 bytes"},
      {json{{"n", "line\nbreak"}}, "printable UTF-8"},
      {pairs(8, 512), "at most 4096"},
  };
  for (const auto& [value, detail] : cases) {
    const auto [code, what] = refusal([&] { parse_metadata(value); });
    EXPECT_EQ(code, "invalid_metadata") << value.dump().substr(0, 80);
    EXPECT_NE(what.find(detail), std::string::npos) << what;
  }
  EXPECT_EQ(refusal([] { parse_metadata_text("{\"a\":"); }).first, "invalid_metadata");
  EXPECT_EQ(refusal([] { parse_metadata_text(std::string("{\"a\":\"\xff\"}")); }).first, "invalid_metadata");
}

TEST(Metadata, OneCanonicalFormWhateverTheOrderGiven) {
  const auto a = parse_metadata_text(R"({"b":"2","a":"1"})");
  const auto b = parse_metadata_text(R"({"a":"1","b":"2"})");
  EXPECT_EQ(metadata_text(a), R"({"a":"1","b":"2"})");
  EXPECT_EQ(metadata_text(a), metadata_text(b));
  EXPECT_EQ(metadata_column({}), std::nullopt);
  EXPECT_EQ(metadata_from_column(metadata_column(a)), a);
}

TEST(Metadata, PairsOfAFilterOrAnOption) {
  EXPECT_EQ(parse_metadata_pair("order_id=A=17"), (std::pair<std::string, std::string>{"order_id", "A=17"}));
  EXPECT_EQ(parse_metadata_pair("k="), (std::pair<std::string, std::string>{"k", ""}));
  for (const char* bad : {"order_id", "=v", "bad key=v"}) {
    EXPECT_EQ(refusal([&] { parse_metadata_pair(bad); }).first, "invalid_metadata") << bad;
  }
}

TEST(Metadata, IsPartOfTheIdempotencyHashAndLeavesOlderHashesAlone) {
  Operation op;
  op.kind = OperationKind::kCharge;
  op.wallet.wallet_id = "0190a5e4-8c1e-7c3a-9f00-000000000001";
  op.amount = Money(100);
  const auto plain = op.request_hash();
  op.metadata = {{"order_id", "A17"}};
  const auto with = op.request_hash();
  op.metadata = {{"order_id", "A18"}};
  EXPECT_NE(with, plain);
  EXPECT_NE(op.request_hash(), with);
  op.metadata.clear();
  EXPECT_EQ(op.request_hash(), plain) << "a request without metadata hashes as it did before metadata existed";
}

TEST(Metadata, EveryBodyThatMovesMoneyTakesIt) {
  Settings s;
  const std::string w = "0190a5e4-8c1e-7c3a-9f00-000000000001", v = "0190a5e4-8c1e-7c3a-9f00-000000000002";
  const std::string m = R"("metadata":{"order_id":"A17"})";
  using daemon::decode_charge;
  EXPECT_EQ(decode_charge(R"({"wallet_id":")" + w + R"(","amount":1,)" + m + "}", {}, s).metadata.at("order_id"), "A17");
  EXPECT_EQ(daemon::decode_withdraw(R"({"wallet_id":")" + w + R"(","amount":1,)" + m + "}", {}, s).metadata.size(), 1u);
  EXPECT_EQ(daemon::decode_transfer(R"({"sender_id":")" + w + R"(","receiver_id":")" + v + R"(","amount":1,)" + m + "}",
                                    {}, s)
                .metadata.size(),
            1u);
  EXPECT_EQ(daemon::decode_transfer_action(OperationKind::kVoid, w, "{" + m + "}", {}, s).metadata.size(), 1u);
  EXPECT_EQ(daemon::decode_transfer_action(OperationKind::kCapture, w, "{" + m + "}", {}, s).metadata.size(), 1u);
  EXPECT_EQ(daemon::decode_reversal(w, "{" + m + "}", {}, s).metadata.size(), 1u);
  EXPECT_EQ(daemon::decode_create_wallet(R"({"user_id":"u",)" + m + "}", s).metadata.size(), 1u);
  EXPECT_TRUE(decode_charge(R"({"wallet_id":")" + w + R"(","amount":1,"metadata":null})", {}, s).metadata.empty());
  // Nested values and repeated keys are metadata's refusals, not a generic malformed body.
  for (const char* bad : {R"("metadata":{"a":{"b":"c"}})", R"("metadata":{"a":["b"]})", R"("metadata":{"a":"1","a":"2"})",
                          R"("metadata":"order=A17")", R"("metadata":{"a":1})"}) {
    const auto [code, what] =
        refusal([&] { decode_charge(R"({"wallet_id":")" + w + R"(","amount":1,)" + bad + "}", {}, s); });
    EXPECT_EQ(code, "invalid_metadata") << bad << ": " << what;
  }
}

}  // namespace
}  // namespace wallet
