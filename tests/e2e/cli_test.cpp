// The walletctl binary end to end: every command's JSON output and every documented exit code.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/privileges.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class CliTest : public ::testing::Test {
 protected:
  ProcessResult cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), walletctl_path());
    env.emplace("DATABASE_URL", db_.url());
    env.emplace("DATABASE_OWNER_URL", db_.owner_url());
    return run_process(args, env);
  }
  json ok_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"--output", "json"});
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  std::string create(const std::string& user) { return ok_json({"create", "--user", user})["id"]; }

  TestDatabase db_;
};

TEST_F(CliTest, CreateChargeTransferWithdrawPrintTheApiObjects) {
  const auto w = ok_json({"create", "--user", "alice"});
  for (const char* k : {"id", "user_id", "currency", "balance", "available", "held", "created_at", "updated_at"}) {
    EXPECT_TRUE(w.contains(k)) << k;
  }
  EXPECT_EQ(w["user_id"], "alice");
  EXPECT_EQ(w["currency"], "USD");
  const std::string a = w["id"], b = create("bob");

  const auto t = ok_json({"charge", a, "1234", "--key", "c-1", "--reference", "top-up"});
  for (const char* k : {"id", "kind", "status", "amount", "currency", "source_wallet_id", "destination_wallet_id",
                        "idempotency_key", "reference", "release_at", "created_at"}) {
    EXPECT_TRUE(t.contains(k)) << k;
  }
  EXPECT_EQ(t["kind"], "charge");
  EXPECT_EQ(t["amount"], 1234);
  EXPECT_EQ(t["destination_wallet_id"], a);
  EXPECT_EQ(t["reference"], "top-up");

  const auto tr = ok_json({"transfer", a, b, "234"});
  EXPECT_EQ(tr["kind"], "transfer");
  EXPECT_EQ(tr["source_wallet_id"], a);
  const auto wd = ok_json({"withdraw", b, "34"});
  EXPECT_EQ(wd["status"], "pending");
  EXPECT_EQ(wd["amount"], 34);
  EXPECT_EQ(wd["wallet_id"], b);
  EXPECT_TRUE(wd.contains("transaction_id"));

  const auto bal = ok_json({"balance", "--user", "bob"});
  EXPECT_EQ(bal["balance"], 200);
  EXPECT_EQ(bal["available"], 200);
  const auto text = cli({"balance", a});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("10.00 USD"), std::string::npos) << text.out;
}

TEST_F(CliTest, IdempotentReplayShowsTheOriginalAndConflictExitsOne) {
  const auto a = create("alice");
  const auto first = ok_json({"charge", a, "500", "--key", "k"});
  const auto again = cli({"--output", "json", "charge", a, "500", "--key", "k"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(json::parse(again.out)["id"], first["id"]);
  EXPECT_NE(again.err.find("already used"), std::string::npos);
  const auto conflict = cli({"charge", a, "501", "--key", "k"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_NE(conflict.err.find("idempotency_conflict"), std::string::npos);
  EXPECT_EQ(ok_json({"balance", a})["balance"], 500);
}

TEST_F(CliTest, HeldChargeAndHistoryWithCursor) {
  const auto a = create("alice");
  const auto held = ok_json({"charge", a, "100", "--release-at", "2099-01-01T00:00:00+01:00"});
  EXPECT_EQ(held["release_at"], "2098-12-31T23:00:00Z");
  ok_json({"charge", a, "5"});
  const auto bal = ok_json({"balance", a});
  EXPECT_EQ(bal["held"], 100);
  EXPECT_EQ(bal["available"], 5);
  const auto refused = cli({"withdraw", a, "6"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("insufficient_funds"), std::string::npos);

  const auto page1 = ok_json({"history", a, "--limit", "1"});
  ASSERT_EQ(page1["items"].size(), 1u);
  EXPECT_EQ(page1["items"][0]["amount"], 5);
  ASSERT_TRUE(page1["next_cursor"].is_string());
  const auto page2 = ok_json({"history", a, "--limit", "1", "--cursor", page1["next_cursor"]});
  EXPECT_EQ(page2["items"][0]["amount"], 100);
  EXPECT_TRUE(page2["next_cursor"].is_null());
  const auto bad = cli({"history", a, "--cursor", "garbage"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("invalid_cursor"), std::string::npos);
}

TEST_F(CliTest, RefusalsExitOne) {
  const auto a = create("alice");
  for (const auto& args : std::vector<std::vector<std::string>>{{"create", "--user", "alice"},
                                                                {"balance", "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"},
                                                                {"transfer", a, a, "1"},
                                                                {"transfer", a, create("bob"), "1"},
                                                                {"withdraw", "--user", "nobody", "1"}}) {
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(CliTest, BadArgumentsExitTwoWithOneLineNamingThem) {
  const auto a = create("alice");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"charge", "not-a-uuid", "10"}, "wallet id"},
      {{"charge", a, "1.50"}, "amount"},
      {{"charge", a, "0"}, "amount"},
      {{"charge", a, "-3"}, "amount"},
      {{"charge", a, "10", "--key", ""}, "idempotency key"},
      {{"charge", a, "10", "--release-at", "tomorrow"}, "RFC 3339"},
      {{"charge", a, "10", "--currency", "XYZ"}, "currency"},
      {{"charge", a}, "expected WALLET AMOUNT"},
      {{"create", "--user", std::string(129, 'u')}, "user id"},
      {{"history", a, "--limit", "500"}, "limit"},
      {{"balance"}, "WALLET or --user"},
      {{"transfer", a, "10"}, "amount is required"},
      {{"frobnicate"}, "usage"},
      {{}, "usage"},
      {{"--output", "yaml", "balance", a}, "usage"},
      {{"migrate", "sideways"}, "usage"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args[0]) << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(CliTest, UnreachableDatabaseExitsThreeNamingTheAddressNotThePassword) {
  const auto r = run_process({walletctl_path(), "balance", "--user", "alice"},
                             {{"DATABASE_URL", "postgresql://wallet:hunter2@127.0.0.1:1/walletctl"},
                              {"WALLET_DATABASE_CONNECT_TIMEOUT", "2"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(CliTest, BadConfigurationExitsTwoNamingTheSource) {
  const auto r = cli({"audit"}, {{"WALLET_LEDGER_MAX_AMOUNT", "-1"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("env WALLET_LEDGER_MAX_AMOUNT"), std::string::npos) << r.err;
  const auto missing = cli({"--config", "/nonexistent.toml", "audit"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent.toml"), std::string::npos);
}

TEST_F(CliTest, ConfigShowPrintsSourcesAndMasksSecrets) {
  const auto r = cli({"--output", "json", "--set", "ledger.batch_size=42", "config", "show"},
                     {{"RABBITMQ_URL", "amqp://u:brokerpass@127.0.0.1:5672/"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["settings"]["ledger.batch_size"]["value"], "42");
  EXPECT_EQ(j["settings"]["ledger.batch_size"]["source"], "flag --set");
  EXPECT_EQ(j["settings"]["database.url"]["source"], "env DATABASE_URL");
  EXPECT_EQ(r.out.find("brokerpass"), std::string::npos);
  EXPECT_EQ(r.out.find(":wallet@"), std::string::npos) << "database password shown";
  const auto text = cli({"config", "show"});
  EXPECT_NE(text.out.find("ledger.default_currency"), std::string::npos);
}

TEST_F(CliTest, WithdrawalsListAndShow) {
  const auto a = create("alice"), b = create("bob");
  ok_json({"charge", a, "1000"});
  ok_json({"charge", b, "1000"});
  const std::string w1 = ok_json({"withdraw", a, "100"})["id"];
  ok_json({"withdraw", b, "200"});
  const auto all = ok_json({"withdrawals", "list"});
  ASSERT_EQ(all["items"].size(), 2u);
  const auto mine = ok_json({"withdrawals", "list", "--wallet", a, "--status", "pending"});
  ASSERT_EQ(mine["items"].size(), 1u);
  EXPECT_EQ(mine["items"][0]["id"], w1);
  EXPECT_EQ(ok_json({"withdrawals", "list", "--status", "completed"})["items"].size(), 0u);
  const auto shown = ok_json({"withdrawals", "show", w1});
  EXPECT_EQ(shown["amount"], 100);
  EXPECT_EQ(shown["attempts"], 0);
  EXPECT_TRUE(shown["failure_reason"].is_null());
  EXPECT_EQ(cli({"withdrawals", "list", "--status", "done"}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "list", "--limit", "0"}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "show", "nope"}).exit_code, 2);
  EXPECT_EQ(cli({"withdrawals", "show", "0190a5e4-8c1e-7c3a-9f00-000000000001"}).exit_code, 1);
  EXPECT_EQ(cli({"withdrawals"}).exit_code, 2);
}

TEST_F(CliTest, MigrateAndAudit) {
  const auto status = ok_json({"migrate", "status"});
  ASSERT_TRUE(status.is_array());
  EXPECT_TRUE(status[0]["applied"]);
  const auto again = ok_json({"migrate"});
  EXPECT_EQ(again["applied"].size(), 0u);
  EXPECT_EQ(again["granted_to"], pg::conninfo_value(db_.url(), "user"));
  const auto a = create("alice");
  ok_json({"charge", a, "10"});
  const auto audit = ok_json({"audit"});
  EXPECT_TRUE(audit["passed"]);
  EXPECT_EQ(audit["checks"].size(), 13u);

  auto admin = db_.admin();
  admin.exec_script(
      "BEGIN; SET LOCAL session_replication_role = replica; "
      "UPDATE ledger_entries SET amount = amount + 1 WHERE id = 1; COMMIT;");
  const auto broken = cli({"audit"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("transactions_balanced"), std::string::npos) << broken.err;
  EXPECT_NE(broken.out.find("FAIL"), std::string::npos);
  EXPECT_NE(broken.out.find("entry_hash_chain"), std::string::npos);
}

TEST_F(CliTest, ApiKeysAreMadeListedAndRevokedAndTheSecretIsShownOnce) {
  const auto made =
      cli({"--output", "json", "apikey", "create", "--name", "alice's app", "--scope", "write", "--user", "alice"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.err.find("not shown again"), std::string::npos);
  const auto key = json::parse(made.out);
  const std::string secret = key["secret"];
  EXPECT_EQ(key["scope"], "write");
  EXPECT_EQ(key["user_id"], "alice");
  const auto listed = cli({"--output", "json", "apikey", "list"});
  EXPECT_EQ(listed.out.find(secret.substr(36)), std::string::npos);  // never the secret again
  EXPECT_EQ(json::parse(listed.out)["items"].size(), 1u);
  EXPECT_TRUE(ok_json({"apikey", "revoke", key["id"]})["items"][0]["revoked_at"].is_string());
  EXPECT_EQ(cli({"apikey", "create", "--name", "x", "--scope", "root"}).exit_code, 2);
  for (const char* scope : {"charge", "admin"}) {  // a key bound to a user may not bring money in
    const auto refused = cli({"apikey", "create", "--name", "x", "--scope", scope, "--user", "alice"});
    EXPECT_EQ(refused.exit_code, 2) << scope;
    EXPECT_NE(refused.err.find("read or write"), std::string::npos) << refused.err;
  }
  EXPECT_EQ(cli({"--output", "json", "apikey", "create", "--name", "till", "--scope", "charge"}).exit_code, 0);
  EXPECT_EQ(cli({"apikey", "create", "--scope", "read"}).exit_code, 2);
  EXPECT_EQ(cli({"apikey", "revoke", "01a20297-6a6a-7f1a-a2ed-0fcbcab4c86b"}).exit_code, 1);  // not found
}

// Migrations run as the owner role; the application role alone cannot apply them, and an owner
// URL that reaches another database is refused before anything is applied.
TEST_F(CliTest, MigrateRunsAsTheOwnerAndGrantsTheApplicationRole) {
  TestDatabase fresh(false);
  const auto as_app =
      run_process({walletctl_path(), "migrate"}, {{"DATABASE_URL", fresh.url()}, {"DATABASE_OWNER_URL", ""}});
  EXPECT_EQ(as_app.exit_code, 2) << "a role without the grants it needs is a configuration error";
  EXPECT_NE(as_app.err.find("owner_url"), std::string::npos) << as_app.err;

  const auto crossed = run_process({walletctl_path(), "migrate"},
                                   {{"DATABASE_URL", fresh.url()}, {"DATABASE_OWNER_URL", db_.owner_url()}});
  EXPECT_EQ(crossed.exit_code, 2);
  EXPECT_NE(crossed.err.find("different dbnames"), std::string::npos) << crossed.err;

  const std::map<std::string, std::string> env = {{"DATABASE_URL", fresh.url()},
                                                  {"DATABASE_OWNER_URL", fresh.owner_url()}};
  const auto applied = run_process({walletctl_path(), "migrate"}, env);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("granted  the application role " + pg::conninfo_value(fresh.url(), "user")),
            std::string::npos)
      << applied.out;
  const auto created = run_process({walletctl_path(), "create", "--user", "alice"}, env);
  EXPECT_EQ(created.exit_code, 0) << created.err;
  auto owner = fresh.owner();
  EXPECT_EQ(owner.exec("SELECT count(*) FROM wallets WHERE user_id = 'alice'").int64(0, 0), 1);
}

}  // namespace
}  // namespace wallet::testing
