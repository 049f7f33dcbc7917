// Two-phase transfers and reversals end to end: over HTTP against a real `walletctl serve`
// (whose sweep expires transfers), and through the CLI with its exit codes.
#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "core/api_keys.hpp"
#include "core/timestamp.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/openapi_schema.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class TwoPhaseHttpTest : public HttpFixture {
 protected:
  // A quick sweep, so an expiry shows within a test's patience.
  TwoPhaseHttpTest() : HttpFixture({"ledger.pending_sweep_interval_ms=100"}) {}
  HttpReply post_keyed(const std::string& path, const json& body, const std::string& key) {
    return post(path, body, {{"Idempotency-Key", key}});
  }
  HttpReply post_empty(const std::string& path) { return to_reply(http_->Post(path)); }
  json wallet(const std::string& id) { return get("/wallets/" + id).body; }
};

TEST_F(TwoPhaseHttpTest, AuthoriseThenCapturePartOfIt) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const auto opened = post_keyed("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 600}, {"pending", true}},
                                 "checkout-17");
  ASSERT_EQ(opened.status, 201) << opened.text;
  expect_schema_keys(opened.body, "PendingTransfer");
  const std::string id = opened.body["id"];
  EXPECT_EQ(opened.header("Location"), "/transfers/" + id);
  EXPECT_EQ(opened.body["state"], "pending");
  EXPECT_EQ(opened.body["pending_amount"], 600);

  const auto alice = wallet(a);
  expect_schema_keys(alice, "Wallet");
  EXPECT_EQ(alice["balance"], 1'000);
  EXPECT_EQ(alice["available"], 400);
  EXPECT_EQ(alice["pending_out"], 600);
  EXPECT_EQ(wallet(b)["balance"], 0);
  EXPECT_EQ(wallet(b)["pending_in"], 600);
  const auto bal = get("/balance?user_id=alice");
  expect_schema_keys(bal.body, "Balance");
  EXPECT_EQ(bal.body["withdrawable"], 400);
  EXPECT_EQ(bal.body["pending_out"], 600);
  EXPECT_EQ(post("/withdraw", {{"wallet_id", a}, {"amount", 401}}).body["code"], "insufficient_funds");

  const auto too_much = post("/transfers/" + id + "/capture", {{"amount", 601}});
  EXPECT_EQ(too_much.status, 422);
  EXPECT_EQ(too_much.body["code"], "capture_exceeds_pending");

  const auto captured = post_keyed("/transfers/" + id + "/capture", {{"amount", 450}}, "capture-17");
  ASSERT_EQ(captured.status, 200) << captured.text;
  expect_schema_keys(captured.body, "PendingTransfer");
  EXPECT_EQ(captured.body["state"], "posted");
  EXPECT_EQ(captured.body["captured_amount"], 450);
  EXPECT_EQ(captured.body["released_amount"], 150);
  EXPECT_EQ(wallet(a)["balance"], 550);
  EXPECT_EQ(wallet(a)["available"], 550);
  EXPECT_EQ(wallet(a)["pending_out"], 0);
  EXPECT_EQ(wallet(b)["balance"], 450);

  const auto replay = post_keyed("/transfers/" + id + "/capture", {{"amount", 450}}, "capture-17");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(replay.body, captured.body);
  for (const char* action : {"/capture", "/void"}) {
    const auto again = post_empty("/transfers/" + id + action);
    EXPECT_EQ(again.status, 409) << action;
    EXPECT_EQ(again.body["code"], "transfer_not_pending") << action;
  }
  EXPECT_EQ(get("/transfers/" + id).body, captured.body);

  // The capture is an ordinary transfer in both histories, naming its pending transfer.
  const auto history = get("/wallets/" + b + "/transactions").body["items"];
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["kind"], "transfer");
  EXPECT_EQ(history[0]["amount"], 450);
  EXPECT_EQ(history[0]["pending_transfer_id"], id);
  EXPECT_EQ(history[0]["id"], captured.body["capture_transaction_id"]);
}

TEST_F(TwoPhaseHttpTest, VoidReleasesAllAndBadRequestsAreRefused) {
  const auto a = funded_wallet("alice", 100), b = create_wallet("bob");
  const auto opened = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100}, {"pending", true}});
  const std::string id = opened.body["id"];
  const auto voided = post_empty("/transfers/" + id + "/void");
  ASSERT_EQ(voided.status, 200) << voided.text;
  EXPECT_EQ(voided.body["state"], "voided");
  EXPECT_EQ(voided.body["released_amount"], 100);
  EXPECT_EQ(wallet(a)["available"], 100);

  const auto cases = std::vector<std::pair<HttpReply, std::string>>{
      {post("/transfers/" + id + "/capture", {{"amount", 0}}), "invalid_amount"},
      {post("/transfers/" + id + "/void", {{"amount", 5}}), "unknown_field"},
      {post_empty("/transfers/not-a-uuid/void"), "invalid_transfer_id"},
      {post_empty("/transfers/0190a5e4-8c1e-7c3a-9f00-000000000001/capture"), "transfer_not_found"},
      {get("/transfers/0190a5e4-8c1e-7c3a-9f00-000000000001"), "transfer_not_found"},
      {post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"expires_at", "2030-01-01T00:00:00Z"}}),
       "invalid_expires_at"},
      {post("/transfers",
            {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"pending", true}, {"expires_at", "2020-01-01T00:00:00Z"}}),
       "invalid_expires_at"},
      {post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 1}, {"pending", "yes"}}), "invalid_input"},
      {post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 101}, {"pending", true}}),
       "insufficient_funds"},
  };
  for (const auto& [reply, code] : cases) {
    EXPECT_EQ(reply.body.value("code", ""), code) << reply.text;
    EXPECT_GE(reply.status, 400);
    EXPECT_LT(reply.status, 500);
  }
  EXPECT_EQ(wallet(a)["available"], 100) << "refusals change nothing";
  EXPECT_EQ(wallet(a)["pending_out"], 0);
}

// Nobody captures: the server's sweep voids it as expired, and the wallet (cached or not)
// shows the reservation gone.
TEST_F(TwoPhaseHttpTest, AnUncapturedTransferExpiresByItself) {
  const auto a = funded_wallet("alice", 100), b = create_wallet("bob");
  const auto expires = format_rfc3339(now_utc() + std::chrono::seconds(2));
  const auto opened = post("/transfers",
                           {{"sender_id", a}, {"receiver_id", b}, {"amount", 70}, {"pending", true}, {"expires_at", expires}});
  ASSERT_EQ(opened.status, 201) << opened.text;
  EXPECT_EQ(wallet(a)["available"], 30);
  const std::string id = opened.body["id"];
  json state;
  for (int i = 0; i < 400; ++i) {  // up to 20 s: the expiry plus a few sweeps
    state = get("/transfers/" + id).body;
    if (state["state"] != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(state["state"], "expired");
  EXPECT_EQ(state["released_amount"], 70);
  EXPECT_EQ(wallet(a)["available"], 100);
  EXPECT_EQ(wallet(a)["pending_out"], 0);
  EXPECT_EQ(post_empty("/transfers/" + id + "/capture").body["code"], "transfer_not_pending");
}

TEST_F(TwoPhaseHttpTest, ReversalsRefundPartOfAChargeAndNeverMore) {
  const auto a = create_wallet("alice");
  const auto charge = post("/charge", {{"wallet_id", a}, {"amount", 1'000}});
  const std::string charge_id = charge.body["id"];
  const auto first =
      post_keyed("/transactions/" + charge_id + "/reversals", {{"amount", 300}, {"reason", "damaged item"}}, "rf-1");
  ASSERT_EQ(first.status, 201) << first.text;
  expect_schema_keys(first.body, "Transaction");
  EXPECT_EQ(first.body["kind"], "reversal");
  EXPECT_EQ(first.body["reverses"], charge_id);
  EXPECT_EQ(first.body["reason"], "damaged item");
  EXPECT_EQ(balance(a), 700);
  EXPECT_EQ(post_keyed("/transactions/" + charge_id + "/reversals", {{"amount", 300}, {"reason", "damaged item"}}, "rf-1")
                .header("Idempotent-Replayed"),
            "true");
  EXPECT_EQ(balance(a), 700);

  const auto over = post("/transactions/" + charge_id + "/reversals", {{"amount", 701}});
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(over.body["code"], "reversal_exceeds_original");
  const std::string reversal_id = first.body["id"];
  EXPECT_EQ(post_empty("/transactions/" + reversal_id + "/reversals").body["code"], "transaction_not_reversible");
  EXPECT_EQ(post_empty("/transactions/0190a5e4-8c1e-7c3a-9f00-000000000001/reversals").body["code"],
            "transaction_not_found");
  EXPECT_EQ(post("/transactions/" + charge_id + "/reversals", {{"reason", ""}}).body["code"], "invalid_reason");

  // History lists the reversal, and the original shows how much of it was reversed.
  const auto items = get("/wallets/" + a + "/transactions").body["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["kind"], "reversal");
  EXPECT_EQ(items[0]["entry_amount"], -300);
  EXPECT_EQ(items[1]["reversed_amount"], 300);
}

// Who may reverse: a charge only with the charge scope; a key bound to a user never.
class TwoPhaseAuthTest : public HttpFixture {
 protected:
  TwoPhaseAuthTest() : HttpFixture({"auth.failure_burst=100000"}) {}
  std::string key(const char* name, ApiScope scope, std::optional<std::string> user = {}) {
    auto conn = db_.connect();
    return "Bearer " + ApiKeyStore(conn).create(name, scope, std::move(user)).secret;
  }
};

TEST_F(TwoPhaseAuthTest, OnlyChargeKeysReverseChargesAndUserKeysNeverReverse) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const std::string charge_id = get("/wallets/" + a + "/transactions").body["items"][0]["id"];
  const std::string transfer_id = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100}}).body["id"];
  const auto as = [&](const std::string& secret, const std::string& id) {
    httplib::Client fresh("127.0.0.1", server_.port());  // without the fixture's admin key
    return to_reply(fresh.Post("/transactions/" + id + "/reversals", {{"Authorization", secret}},
                               json{{"amount", 10}}.dump(), "application/json"));
  };
  const auto writer = key("writer", ApiScope::kWrite), charger = key("charger", ApiScope::kCharge);
  const auto bobs = key("bob's app", ApiScope::kWrite, std::string("bob"));
  EXPECT_EQ(as(writer, charge_id).body["code"], "forbidden");
  EXPECT_EQ(as(bobs, transfer_id).body["code"], "forbidden");
  EXPECT_EQ(as(writer, transfer_id).status, 201);
  EXPECT_EQ(as(charger, charge_id).status, 201);
  EXPECT_EQ(balance(a), 1'000 - 100 + 10 - 10);
}

class TwoPhaseCliTest : public CliFixture {};

TEST_F(TwoPhaseCliTest, PendingCaptureVoidAndReverseWithTheirExitCodes) {
  const std::string a = ok_json({"create", "--user", "alice"})["id"], b = ok_json({"create", "--user", "bob"})["id"];
  const std::string charge_id = ok_json({"charge", a, "1000"})["id"];
  const auto opened = ok_json({"transfer", a, b, "600", "--pending", "--expires-at", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(opened["state"], "pending");
  EXPECT_EQ(opened["expires_at"], "2099-01-01T00:00:00Z");
  const std::string id = opened["id"];
  EXPECT_EQ(ok_json({"balance", a})["available"], 400);
  EXPECT_EQ(ok_json({"capture", id, "250", "--key", "cap"})["captured_amount"], 250);
  EXPECT_EQ(ok_json({"transfer-status", id})["state"], "posted");

  const auto again = cli({"void", id});
  EXPECT_EQ(again.exit_code, 1) << "a refused operation";
  EXPECT_NE(again.err.find("transfer_not_pending"), std::string::npos) << again.err;
  const auto usage = cli({"transfer", a, b, "5", "--expires-at", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  EXPECT_EQ(cli({"capture", "nope"}).exit_code, 2);

  const std::string second = ok_json({"transfer", a, b, "100", "--pending"})["id"];
  EXPECT_EQ(ok_json({"void", second})["state"], "voided");

  const auto reversal = ok_json({"reverse", charge_id, "100", "--reason", "goodwill"});
  EXPECT_EQ(reversal["kind"], "reversal");
  EXPECT_EQ(reversal["reason"], "goodwill");
  EXPECT_EQ(ok_json({"balance", a})["balance"], 650);
  const auto over = cli({"reverse", charge_id, "901"});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("reversal_exceeds_original"), std::string::npos) << over.err;
  EXPECT_EQ(ok_json({"audit"})["passed"], true);
}

// Several processes at once: for each transfer a `walletctl capture` and a `walletctl void`
// race, and two servers' sweeps race for the ones left to expire. Exactly one closer wins each.
TEST_F(TwoPhaseCliTest, CaptureAndVoidProcessesRaceAndTwoServersSweepExactlyOnce) {
  const std::string a = ok_json({"create", "--user", "alice"})["id"], b = ok_json({"create", "--user", "bob"})["id"];
  ok_json({"charge", a, "100000"});
  std::vector<std::string> raced, left;
  for (int i = 0; i < 6; ++i) raced.push_back(ok_json({"transfer", a, b, "1000", "--pending"})["id"]);
  // Each expires 3 s after it is opened: time enough for a process started under a sanitizer.
  for (int i = 0; i < 6; ++i) {
    const auto soon = format_rfc3339(now_utc() + std::chrono::seconds(3));
    left.push_back(ok_json({"transfer", a, b, "500", "--pending", "--expires-at", soon})["id"]);
  }

  // One shell starts the 12 racing processes at once and prints "ID EXIT" for each. (Forking
  // them from 12 threads of this test deadlocked a child under AddressSanitizer before exec.)
  std::string script;
  for (const auto& id : raced) {
    for (const char* action : {"capture", "void"}) {
      script += "(\"$W\" " + std::string(action) + " " + id + " >/dev/null 2>&1; echo " + id + " $?) & ";
    }
  }
  script += "wait";
  ProcessResult race;
  {
    ServerProcess one(db_.url(), {"withdrawals.enabled=false", "ledger.pending_sweep_interval_ms=50"});
    ServerProcess two(db_.url(), {"withdrawals.enabled=false", "ledger.pending_sweep_interval_ms=50"});
    race = run_process({"/bin/sh", "-c", script}, {{"DATABASE_URL", db_.url()}, {"W", walletctl_path()}});
    auto conn = db_.connect();
    for (int i = 0; i < 400; ++i) {  // up to 20 s for the expiry and a few sweeps
      if (conn.exec("SELECT count(*) FROM pending_transfers WHERE state = 'pending'").int64(0, 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::map<std::string, std::vector<int>> exits;
  std::istringstream lines(race.out);
  std::string id_seen;
  int code = 0;
  while (lines >> id_seen >> code) exits[id_seen].push_back(code);
  long captured = 0;
  for (const auto& id : raced) {
    auto codes = exits[id];
    std::sort(codes.begin(), codes.end());
    EXPECT_EQ(codes, (std::vector<int>{0, 1})) << id << ": one closer wins, the other is refused";
    const auto state = ok_json({"transfer-status", id})["state"];
    EXPECT_TRUE(state == "posted" || state == "voided") << state;
    captured += state == "posted" ? 1000 : 0;
  }
  auto conn = db_.connect();
  for (const auto& id : left) {
    EXPECT_EQ(ok_json({"transfer-status", id})["state"], "expired");
    EXPECT_EQ(conn.exec("SELECT count(*) FROM outbox WHERE event_type = 'transfer.expired' AND payload::jsonb "
                        "-> 'data' ->> 'id' = $1",
                        {id})
                  .int64(0, 0),
              1)
        << "one expiry event, whichever server swept it";
  }
  const auto alice = ok_json({"balance", a});
  EXPECT_EQ(alice["balance"], 100000 - captured);
  EXPECT_EQ(alice["pending_out"], 0);
  EXPECT_EQ(ok_json({"audit"})["passed"], true);
}

}  // namespace
}  // namespace wallet::testing
