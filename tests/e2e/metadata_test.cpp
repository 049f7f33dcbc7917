// Metadata end to end: given on every write over HTTP and the CLI, returned in every
// representation, carried by events, part of idempotency, and a history filter.
#include <map>

#include "tests/support/event_collector.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/openapi_schema.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class MetadataHttpTest : public HttpFixture {
 protected:
  json items(const std::string& path) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body.value("items", json::array());
  }
};

TEST_F(MetadataHttpTest, EveryWriteKeepsItsPairsAndEveryRepresentationShowsThem) {
  EventCollector collector;  // bound before anything happens, so every event reaches it
  const auto made = post("/wallets", {{"user_id", "alice"}, {"metadata", {{"tier", "gold"}}}});
  ASSERT_EQ(made.status, 201) << made.text;
  expect_schema_keys(made.body, "Wallet");
  const std::string a = made.body["id"];
  EXPECT_EQ(made.body["metadata"], (json{{"tier", "gold"}}));
  EXPECT_EQ(get("/wallets/" + a).body["metadata"], (json{{"tier", "gold"}}));
  const auto b = create_wallet("bob");
  EXPECT_EQ(get("/wallets/" + b).body["metadata"], json::object());

  const json order{{"order_id", "A17"}, {"channel", "web"}};
  const auto charged = post("/charge", {{"wallet_id", a}, {"amount", 1'000}, {"metadata", order}});
  ASSERT_EQ(charged.status, 201) << charged.text;
  expect_schema_keys(charged.body, "Transaction");
  EXPECT_EQ(charged.body["metadata"], order);
  const auto moved = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100},
                                         {"metadata", {{"order_id", "A18"}}}});
  ASSERT_EQ(moved.status, 201) << moved.text;

  // A capture without pairs moves the money under those the transfer was opened with.
  const auto opened = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 200}, {"pending", true},
                                          {"metadata", {{"order_id", "A19"}}}});
  ASSERT_EQ(opened.status, 201) << opened.text;
  expect_schema_keys(opened.body, "PendingTransfer");
  EXPECT_EQ(opened.body["metadata"], (json{{"order_id", "A19"}}));
  const std::string captured_id = opened.body["id"];
  const auto captured = post("/transfers/" + captured_id + "/capture", json::object());
  ASSERT_EQ(captured.status, 200) << captured.text;
  EXPECT_EQ(captured.body["close_metadata"], json::object());
  const auto second = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 50}, {"pending", true}});
  const std::string voided_id = second.body["id"];
  const auto voided = post("/transfers/" + voided_id + "/void", {{"metadata", {{"why", "cancelled"}}}});
  ASSERT_EQ(voided.status, 200) << voided.text;
  EXPECT_EQ(voided.body["close_metadata"], (json{{"why", "cancelled"}}));
  EXPECT_EQ(get("/transfers/" + voided_id).body["close_metadata"], (json{{"why", "cancelled"}}));

  const auto reversal = post("/transactions/" + charged.body["id"].get<std::string>() + "/reversals",
                             {{"amount", 10}, {"metadata", {{"ticket", "T-1"}}}});
  ASSERT_EQ(reversal.status, 201) << reversal.text;
  EXPECT_EQ(reversal.body["metadata"], (json{{"ticket", "T-1"}}));
  const auto withdrawal = post("/withdraw", {{"wallet_id", a}, {"amount", 5}, {"metadata", {{"payout_ref", "P1"}}}});
  ASSERT_EQ(withdrawal.status, 202) << withdrawal.text;
  expect_schema_keys(withdrawal.body, "Withdrawal");
  EXPECT_EQ(withdrawal.body["metadata"], (json{{"payout_ref", "P1"}}));
  const std::string withdrawal_id = withdrawal.body["id"];
  EXPECT_EQ(get("/withdrawals/" + withdrawal_id).body["metadata"], (json{{"payout_ref", "P1"}}));

  // History: every line shows its pairs; a filter keeps only the lines that hold one.
  const auto all = items("/wallets/" + a + "/transactions");
  ASSERT_EQ(all.size(), 5u);  // charge, transfer, capture, reversal, withdrawal
  for (const auto& item : all) expect_schema_keys(item, "HistoryItem");
  const auto a17 = items("/wallets/" + a + "/transactions?metadata.order_id=A17");
  ASSERT_EQ(a17.size(), 1u);
  EXPECT_EQ(a17[0]["id"], charged.body["id"]);
  EXPECT_EQ(a17[0]["metadata"], order);
  const auto a19 = items("/wallets/" + b + "/transactions?metadata.order_id=A19");
  ASSERT_EQ(a19.size(), 1u);
  EXPECT_EQ(a19[0]["id"], captured.body["capture_transaction_id"]);
  EXPECT_EQ(a19[0]["metadata"], (json{{"order_id", "A19"}}));
  EXPECT_EQ(items("/transactions?user_id=alice&metadata.ticket=T-1").size(), 1u);
  EXPECT_EQ(items("/transactions/alice?metadata.channel=web&limit=5").size(), 1u);
  EXPECT_TRUE(items("/wallets/" + a + "/transactions?metadata.order_id=nope").empty());
  for (const char* bad : {"?metadata.order_id=A17&metadata.channel=web", "?metadata.bad%20key=x", "?metadata.=x"}) {
    const auto r = get("/wallets/" + a + "/transactions" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body.value("code", ""), "invalid_metadata") << bad << " " << r.text;
  }

  // Events carry the same pairs as the API's objects.
  std::map<std::string, json> data_by_type, body_by_type;
  const bool arrived = collector.wait_until(
      [&](const std::vector<CollectedEvent>& events) {
        for (const auto& e : events) {
          const auto body = json::parse(e.body, nullptr, false);
          if (!body.is_object() || !body.contains("data")) continue;
          const auto& data = body["data"];
          const bool ours = data.value("id", "") == a || data.value("source_wallet_id", "") == a ||
                            data.value("wallet_id", "") == a || data.value("destination_wallet_id", "") == a;
          if (!ours) continue;
          data_by_type[body["type"].get<std::string>() + ":" + data.value("id", "")] = data;
          body_by_type[body["type"].get<std::string>()] = body;
        }
        return data_by_type.size() >= 9;  // created, charge, transfer, 2 pending, posted, voided, reversed, withdrawal
      },
      seconds(60));
  ASSERT_TRUE(arrived) << data_by_type.size() << " events";
  const auto data = [&](const std::string& type, const json& id) { return data_by_type["" + type + ":" + id.get<std::string>()]; };
  EXPECT_EQ(data("wallet.created", made.body["id"])["metadata"], (json{{"tier", "gold"}}));
  EXPECT_EQ(data("charge.completed", charged.body["id"])["metadata"], order);
  EXPECT_EQ(data("transfer.completed", moved.body["id"])["metadata"], (json{{"order_id", "A18"}}));
  EXPECT_EQ(data("transfer.pending", opened.body["id"])["metadata"], (json{{"order_id", "A19"}}));
  EXPECT_EQ(data("transfer.voided", second.body["id"])["close_metadata"], (json{{"why", "cancelled"}}));
  EXPECT_EQ(data("transaction.reversed", reversal.body["id"])["metadata"], (json{{"ticket", "T-1"}}));
  EXPECT_EQ(data("withdrawal.requested", withdrawal.body["id"])["metadata"], (json{{"payout_ref", "P1"}}));
  // Nine types, each against the document's Event schema for it.
  for (const auto& [type, body] : body_by_type) expect_event_schema(body);
  EXPECT_GE(body_by_type.size(), 8u);
}

TEST_F(MetadataHttpTest, BadMetadataIsRefusedEverywhereAndChangesNothing) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const std::string pending = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100}, {"pending", true}})
                                  .body.value("id", "");
  json many = json::object();
  for (int i = 0; i < 17; ++i) many["k" + std::to_string(i)] = "v";
  const std::vector<json> bad{many, json{{"n", 1}}, json{{"bad key", "v"}}, json{{"k", std::string(513, 'x')}},
                              json("order=A17"), json{{"k", {{"nested", "v"}}}}};
  for (const auto& m : bad) {
    const std::vector<std::pair<std::string, json>> writes{
        {"/wallets", {{"user_id", "carol"}, {"metadata", m}}},
        {"/charge", {{"wallet_id", a}, {"amount", 1}, {"metadata", m}}},
        {"/withdraw", {{"wallet_id", a}, {"amount", 1}, {"metadata", m}}},
        {"/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"metadata", m}}},
        {"/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"pending", true}, {"metadata", m}}},
        {"/transfers/" + pending + "/capture", {{"metadata", m}}},
        {"/transfers/" + pending + "/void", {{"metadata", m}}},
    };
    for (const auto& [path, body] : writes) {
      const auto r = post(path, body);
      EXPECT_EQ(r.status, 400) << path << " " << m.dump().substr(0, 60);
      EXPECT_EQ(r.body.value("code", ""), "invalid_metadata") << path << " " << r.text;
    }
  }
  EXPECT_EQ(get("/wallets/" + a).body["balance"], 1'000);
  EXPECT_EQ(get("/wallets/" + a).body["pending_out"], 100);
  EXPECT_EQ(items("/wallets/" + a + "/transactions").size(), 1u);
  EXPECT_EQ(get("/balance?user_id=carol").status, 404);

  // The pairs are part of the request: the same key with other pairs is another request.
  const json body{{"wallet_id", a}, {"amount", 5}, {"metadata", {{"order_id", "A1"}}}};
  EXPECT_EQ(post("/charge", body, {{"Idempotency-Key", "k-1"}}).status, 201);
  const auto replay = post("/charge", body, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay.body["metadata"], (json{{"order_id", "A1"}}));
  auto other = body;
  other["metadata"]["order_id"] = "A2";
  const auto conflict = post("/charge", other, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(conflict.status, 409) << conflict.text;
  EXPECT_EQ(conflict.body.value("code", ""), "idempotency_conflict");
  EXPECT_EQ(get("/wallets/" + a).body["balance"], 1'005);
}

class MetadataCliTest : public CliFixture {};

TEST_F(MetadataCliTest, OptionsKeepPairsAndHistoryFiltersByOne) {
  const auto alice = ok_json({"create", "--user", "alice", "--metadata", "tier=gold"});
  EXPECT_EQ(alice["metadata"], (json{{"tier", "gold"}}));
  const std::string a = alice["id"], b = ok_json({"create", "--user", "bob"})["id"];
  const auto charged = ok_json({"charge", a, "1000", "--metadata", "order_id=A17", "--metadata", "channel=cli"});
  EXPECT_EQ(charged["metadata"], (json{{"order_id", "A17"}, {"channel", "cli"}}));
  ok_json({"transfer", a, b, "100", "--metadata", "order_id=A18"});
  const std::string pending = ok_json({"transfer", a, b, "50", "--pending", "--metadata", "cart=c1"})["id"];
  EXPECT_EQ(ok_json({"void", pending, "--metadata", "why=cancelled"})["close_metadata"], (json{{"why", "cancelled"}}));
  EXPECT_EQ(ok_json({"reverse", charged["id"], "10", "--metadata", "ticket=T-1"})["metadata"], (json{{"ticket", "T-1"}}));

  const auto a17 = ok_json({"history", a, "--metadata", "order_id=A17"})["items"];
  ASSERT_EQ(a17.size(), 1u);
  EXPECT_EQ(a17[0]["id"], charged["id"]);
  EXPECT_EQ(ok_json({"history", a})["items"].size(), 3u);
  const auto text = cli({"history", a, "--metadata", "ticket=T-1"});
  EXPECT_NE(text.out.find(R"({"ticket":"T-1"})"), std::string::npos) << text.out;

  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"charge", a, "1", "--metadata", "no-equals-sign"},
        std::vector<std::string>{"charge", a, "1", "--metadata", "k=1", "--metadata", "k=2"},
        std::vector<std::string>{"history", a, "--metadata", "bad key=1"}}) {
    const auto r = cli(bad);
    EXPECT_EQ(r.exit_code, 2) << bad.back();
    EXPECT_NE(r.err.find("invalid_metadata"), std::string::npos) << r.err;
  }
  EXPECT_EQ(ok_json({"balance", a})["balance"], 1000 - 100 - 10);
}

}  // namespace
}  // namespace wallet::testing
