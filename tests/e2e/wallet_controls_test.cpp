// Account controls over HTTP and the CLI: frozen wallets (admin only, every debit refused with
// 409 wallet_frozen, credits still arrive, the state on the wallet and an event each time),
// overdraft limits, and balances at a past instant.
#include <map>

#include "core/api_keys.hpp"
#include "tests/support/event_collector.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/openapi_schema.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class FrozenWalletHttpTest : public HttpFixture {};

TEST_F(FrozenWalletHttpTest, AFrozenWalletRefusesDebitsUntilUnfrozen) {
  EventCollector collector;
  const auto a = funded_wallet("alice", 1'000), b = funded_wallet("bob", 1'000);
  const std::string pending =
      post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100}, {"pending", true}}).body["id"];
  const std::string incoming = post("/transfers", {{"sender_id", b}, {"receiver_id", a}, {"amount", 50}}).body["id"];

  const auto frozen = post("/wallets/" + a + "/freeze", {{"reason", "court order 17"}});
  ASSERT_EQ(frozen.status, 200) << frozen.text;
  expect_schema_keys(frozen.body, "Wallet");
  EXPECT_EQ(frozen.body["frozen"], true);
  EXPECT_EQ(frozen.body["frozen_reason"], "court order 17");
  EXPECT_TRUE(frozen.body["frozen_at"].is_string());
  EXPECT_EQ(get("/wallets/" + a).body["frozen"], true);

  const std::vector<std::pair<std::string, json>> debits{
      {"/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}}},
      {"/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"pending", true}}},
      {"/withdraw", {{"wallet_id", a}, {"amount", 1}}},
      {"/transfers/" + pending + "/capture", json::object()},
      {"/transactions/" + incoming + "/reversals", json::object()},
  };
  for (const auto& [path, body] : debits) {
    const auto r = post(path, body);
    EXPECT_EQ(r.status, 409) << path << " " << r.text;
    EXPECT_EQ(r.body.value("code", ""), "wallet_frozen") << path;
  }
  EXPECT_EQ(post("/charge", {{"wallet_id", a}, {"amount", 10}}).status, 201);
  EXPECT_EQ(post("/transfers", {{"sender_id", b}, {"receiver_id", a}, {"amount", 10}}).status, 201);
  EXPECT_EQ(get("/wallets/" + a).body["balance"], 1'000 + 50 + 10 + 10);
  const auto twice = post("/wallets/" + a + "/freeze", {{"reason", "again"}});
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.body.value("code", ""), "wallet_frozen");
  for (const auto& [body, code] : std::vector<std::pair<json, std::string>>{
           {json::object(), "missing_field"}, {{{"reason", ""}}, "invalid_reason"}, {{{"reason", 5}}, "invalid_reason"},
           {{{"reason", "x"}, {"why", "y"}}, "unknown_field"}}) {
    EXPECT_EQ(post("/wallets/" + b + "/freeze", body).body.value("code", ""), code) << body.dump();
  }
  EXPECT_EQ(post("/wallets/0190a5e4-8c1e-7c3a-9f00-000000000001/freeze", {{"reason", "x"}}).status, 404);
  EXPECT_EQ(get("/wallets/" + b).body["frozen"], false) << "refused freezes change nothing";

  // Only an admin key may freeze or unfreeze.
  auto conn = db_.connect();
  const auto writer = ApiKeyStore(conn).create("writer", ApiScope::kWrite, std::nullopt).secret;
  const auto by_writer = post("/wallets/" + a + "/unfreeze", {{"reason", "mine"}}, {{"Authorization", "Bearer " + writer}});
  EXPECT_EQ(by_writer.status, 403) << by_writer.text;

  const auto thawed = post("/wallets/" + a + "/unfreeze", {{"reason", "order lifted"}});
  ASSERT_EQ(thawed.status, 200) << thawed.text;
  EXPECT_EQ(thawed.body["frozen"], false);
  EXPECT_TRUE(thawed.body["frozen_at"].is_null());
  EXPECT_EQ(post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}}).status, 201);
  EXPECT_EQ(post("/wallets/" + a + "/unfreeze", {{"reason", "twice"}}).body.value("code", ""), "wallet_not_frozen");

  std::map<std::string, json> events, bodies;  // by type: the data, the whole message
  const bool arrived = collector.wait_until(
      [&](const std::vector<CollectedEvent>& all) {
        for (const auto& e : all) {
          const auto body = json::parse(e.body, nullptr, false);
          if (body.is_object() && body.contains("data") && body["data"].value("id", "") == a) {
            events[body.value("type", "")] = body["data"];
            bodies[body.value("type", "")] = body;
          }
        }
        return events.count("wallet.frozen") && events.count("wallet.unfrozen");
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(arrived);
  for (const auto& [type, body] : bodies) expect_event_schema(body);  // wallet.created among them
  EXPECT_EQ(events["wallet.frozen"]["reason"], "court order 17");
  EXPECT_EQ(events["wallet.frozen"]["frozen"], true);
  EXPECT_EQ(events["wallet.unfrozen"]["reason"], "order lifted");
  EXPECT_EQ(events["wallet.unfrozen"]["frozen"], false);
}

TEST_F(FrozenWalletHttpTest, AnOverdraftLimitIsSetByPatchAndNeverBelowTheDebt) {
  const auto a = funded_wallet("alice", 100), b = create_wallet("bob");
  const auto set = patch("/wallets/" + a, {{"overdraft_limit", 500}});
  ASSERT_EQ(set.status, 200) << set.text;
  expect_schema_keys(set.body, "Wallet");
  EXPECT_EQ(set.body["overdraft_limit"], 500);
  EXPECT_EQ(post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 600}}).status, 201);
  const auto alice = get("/wallets/" + a).body;
  EXPECT_EQ(alice["balance"], -500);
  EXPECT_EQ(alice["available"], -500);
  EXPECT_EQ(alice["overdraft_limit"], 500);
  EXPECT_EQ(post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}}).body.value("code", ""),
            "insufficient_funds");
  EXPECT_EQ(post("/withdraw", {{"wallet_id", a}, {"amount", 1}}).body.value("code", ""), "insufficient_funds");

  const auto lower = patch("/wallets/" + a, {{"overdraft_limit", 499}});
  EXPECT_EQ(lower.status, 422) << lower.text;
  EXPECT_EQ(lower.body.value("code", ""), "limit_below_debt");
  for (const auto& [body, code] : std::vector<std::pair<json, std::string>>{
           {{{"overdraft_limit", -1}}, "invalid_amount"}, {{{"overdraft_limit", "5"}}, "invalid_amount"},
           {{{"overdraft_limit", 1.5}}, "invalid_amount"}, {json::object(), "missing_field"},
           {{{"balance", 5}}, "unknown_field"}}) {
    EXPECT_EQ(patch("/wallets/" + b, body).body.value("code", ""), code) << body.dump();
  }
  EXPECT_EQ(get("/wallets/" + a).body["overdraft_limit"], 500) << "refusals change nothing";
  EXPECT_EQ(get("/wallets/" + b).body["overdraft_limit"], 0);
  EXPECT_EQ(get("/health").status, 200);
}

TEST_F(FrozenWalletHttpTest, ABalanceAtAPastInstant) {
  const auto a = create_wallet("alice"), b = create_wallet("bob");
  const auto charged = post("/charge", {{"wallet_id", a}, {"amount", 1'000}});
  const std::string t1 = charged.body["created_at"];  // entries are dated by their transaction
  const auto moved = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 300}});
  const std::string t2 = moved.body["created_at"];
  const auto at1 = get("/wallets/" + a + "?at=" + t1);
  ASSERT_EQ(at1.status, 200) << at1.text;
  expect_schema_keys(at1.body, "WalletAt");
  EXPECT_EQ(at1.body["balance"], 1'000);
  EXPECT_EQ(at1.body["available"], 1'000);
  EXPECT_EQ(at1.body["at"], t1);
  EXPECT_EQ(get("/wallets/" + a + "?at=" + t2).body["balance"], 700);
  EXPECT_EQ(get("/wallets/" + b + "?at=" + t1).body["balance"], 0);
  EXPECT_EQ(get("/wallets/" + a + "?at=2020-01-01T00:00:00Z").body["balance"], 0) << "before the wallet existed";
  const auto future = get("/wallets/" + a + "?at=2999-01-01T00:00:00Z");
  EXPECT_EQ(future.status, 422);
  EXPECT_EQ(future.body.value("code", ""), "at_in_future");
  EXPECT_EQ(get("/wallets/" + a + "?at=yesterday").body.value("code", ""), "invalid_at");
  EXPECT_EQ(get("/wallets/" + a + "?when=" + t1).body.value("code", ""), "unknown_field");
  auto conn = db_.connect();
  const auto bobs = ApiKeyStore(conn).create("bob's app", ApiScope::kRead, std::string("bob")).secret;
  EXPECT_EQ(get("/wallets/" + a + "?at=" + t1, {{"Authorization", "Bearer " + bobs}}).status, 404)
      << "another user's wallet does not exist for a key bound to bob";
}

class FrozenWalletCliTest : public CliFixture {};

TEST_F(FrozenWalletCliTest, FreezeAndUnfreezeWithTheirExitCodes) {
  const std::string a = ok_json({"create", "--user", "alice"})["id"], b = ok_json({"create", "--user", "bob"})["id"];
  ok_json({"charge", a, "100"});
  const auto frozen = ok_json({"wallet", "freeze", a, "--reason", "chargeback review"});
  EXPECT_EQ(frozen["frozen"], true);
  EXPECT_EQ(frozen["frozen_reason"], "chargeback review");
  const auto refused = cli({"transfer", a, b, "10"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("wallet_frozen"), std::string::npos) << refused.err;
  EXPECT_EQ(cli({"wallet", "freeze", a}).exit_code, 2) << "--reason is required";
  EXPECT_EQ(cli({"wallet", "freeze", "nope", "--reason", "x"}).exit_code, 2);
  const auto shown = cli({"balance", a});
  EXPECT_NE(shown.out.find("chargeback review"), std::string::npos) << shown.out;
  EXPECT_EQ(ok_json({"wallet", "unfreeze", a, "--reason", "cleared"})["frozen"], false);
  EXPECT_EQ(ok_json({"transfer", a, b, "10"})["amount"], 10);

  // set-limit: transfers may then go below zero, down to the limit and no further.
  EXPECT_EQ(ok_json({"wallet", "set-limit", a, "300"})["overdraft_limit"], 300);
  ok_json({"transfer", a, b, "290"});  // 90 - 290 = -200
  EXPECT_EQ(ok_json({"balance", a})["balance"], -200);
  const auto below = cli({"wallet", "set-limit", a, "0"});
  EXPECT_EQ(below.exit_code, 1) << below.err;
  EXPECT_NE(below.err.find("limit_below_debt"), std::string::npos) << below.err;
  EXPECT_EQ(cli({"wallet", "set-limit", a, "-5"}).exit_code, 2);

  const std::string then = frozen["updated_at"];  // after the charge of 100, before any transfer
  const auto past = ok_json({"balance", a, "--at", then});
  EXPECT_EQ(past["balance"], 100);
  EXPECT_EQ(past["at"], then);
  EXPECT_EQ(ok_json({"balance", "--user", "alice", "--at", then})["balance"], 100);
  EXPECT_EQ(cli({"balance", a, "--at", "2999-01-01T00:00:00Z"}).exit_code, 1);
  EXPECT_EQ(cli({"balance", a, "--at", "soon"}).exit_code, 2);
  EXPECT_EQ(ok_json({"audit"})["passed"], true);
}

}  // namespace
}  // namespace wallet::testing
