// walletctl replay end to end: the report and balances of a file with every kind of row,
// replays, a crash half-way, concurrent files, and the documented exit codes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/audit.hpp"
#include "core/ledger.hpp"
#include "core/wallet_store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() : conn_(db_.connect()) {}
  // The database with no session of ours open, as CREATE DATABASE ... TEMPLATE needs.
  void disconnect() { conn_.reset(); }
  pg::Connection& conn() {
    if (!conn_) conn_.emplace(db_.connect());
    return *conn_;
  }
  ~ReplayTest() override {
    for (const auto& f : files_) std::filesystem::remove(f);
  }

  std::string temp_path(const std::string& name) {
    files_.push_back(
        std::filesystem::temp_directory_path() /
        ("walletctl-" + std::to_string(::getpid()) + "-" + db_.url().substr(db_.url().rfind('/') + 1) + "-" + name));
    return files_.back().string();
  }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = temp_path(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::map<std::string, std::string> env(const TestDatabase& db) const { return {{"DATABASE_URL", db.url()}}; }
  ProcessResult walletctl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), walletctl_path());
    return run_process(args, env(db_), input);
  }
  // A generated settlement file (bench/gen_settlement.cpp) over this test's database.
  ProcessResult gen_settlement(std::vector<std::string> args) {
    args.insert(args.begin(), gen_settlement_path());
    return run_process(args, env(db_));
  }
  // The report as line -> "status code".
  std::map<std::uint64_t, std::string> report(const std::string& path) {
    std::ifstream in(path);
    std::string header, line;
    std::getline(in, header);
    EXPECT_EQ(header, "line,status,transaction_id,error_code,message");
    std::map<std::uint64_t, std::string> out;
    while (std::getline(in, line)) {
      std::stringstream fields(line);
      std::string number, status, tx, code;
      std::getline(fields, number, ',');
      std::getline(fields, status, ',');
      std::getline(fields, tx, ',');
      std::getline(fields, code, ',');
      EXPECT_EQ(tx.empty(), status != "applied" && status != "replayed") << line;
      out[std::stoull(number)] = code.empty() ? status : status + " " + code;
    }
    return out;
  }
  std::int64_t balance(const std::string& wallet) { return WalletStore(conn(), 1).get(wallet).balance.minor(); }
  std::string user_balances(pg::Connection& conn) {
    auto res = conn.exec("SELECT string_agg(id::text || '=' || balance, ',' ORDER BY id) FROM wallets");
    return res.str(0, 0);
  }

  TestDatabase db_;
  std::optional<pg::Connection> conn_;
  std::vector<std::filesystem::path> files_;
};

TEST_F(ReplayTest, AFileWithEveryKindOfRowGivesAnExactReportAndBalances) {
  WalletStore wallets(conn(), 5);
  Ledger ledger(conn(), db_.settings());
  const auto a = wallets.create("alice", "USD").id, b = wallets.create("bob", "USD").id;
  const auto e = wallets.create("erin", "EUR").id;
  Operation fund;
  fund.wallet.wallet_id = a;
  fund.amount = Money(1000);
  ledger.apply_one(fund);

  const std::string file =
      "\xEF\xBB\xBFop,wallet_id,to_wallet_id,amount,currency,idempotency_key,reference,user_id,release_at\r\n"
      "charge," +
      a +
      ",,500,,k-charge,\"invoice 1, \"\"first\"\"\",,\r\n"  // 2 applied
      "transfer," +
      a + "," + b +
      ",300,,,\"two\r\nlines\",,\r\n"  // 3-4 invalid: a reference is one line
      "transfer," +
      a + "," + b +
      ",300,,,plain,,\r\n"  // 5 applied
      "withdraw," +
      b +
      ",,100,,,,,\r\n"                 // 6 applied
      "charge,,,250,USD,,,carol,\r\n"  // 7 applied
      "transfer," +
      b + "," + a +
      ",5000,,,,,\r\n"                                           // 8 refused
      "charge,00000000-0000-7000-8000-000000000000,,1,,,,,\r\n"  // 9 refused
      "transfer," +
      a + "," + e +
      ",1,,,,,\r\n"  // 10 refused
      "refund," +
      a +
      ",,1,,,,,\r\n"  // 11 invalid
      "charge," +
      a +
      ",,12.5,,,,,\r\n"                // 12 invalid
      "charge,not-a-uuid,,1,,,,,\r\n"  // 13 invalid
      "charge," +
      a +
      ",,1,,,,,2030-13-01T00:00:00Z\r\n"  // 14 invalid
      "transfer," +
      a +
      ",,1,,,,,\r\n"  // 15 invalid
      "charge," +
      a +
      ",,1,,\r\n"  // 16 invalid
      "charge," +
      a +
      ",,1,,x\"y,,,\r\n"  // 17 invalid
      "charge," +
      a +
      ",,7,,k-charge,,,\r\n"  // 18 refused
      "charge," +
      a +
      ",,500,,k-charge,\"invoice 1, \"\"first\"\"\",,\r\n"  // 19 replayed
      "transfer," +
      a + "," + a +
      ",1,,,,,\r\n"  // 20 refused
      "charge," +
      a +
      ",,100,,,,,2099-01-01T00:00:00Z\r\n"  // 21 applied, held
      "withdraw," +
      a +
      ",,1250,,,,,\r\n"  // 22 refused
      "withdraw," +
      a + ",,1200,,,,,";  // 23 applied
  const auto report_path = temp_path("report.csv");
  const auto r = walletctl({"--output", "json", "replay", write("mixed.csv", file), "--report", report_path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto summary = json::parse(r.out);
  EXPECT_EQ(summary["rows"], 21);
  EXPECT_EQ(summary["applied"], 6);
  EXPECT_EQ(summary["replayed"], 1);
  EXPECT_EQ(summary["refused"], 6);
  EXPECT_EQ(summary["invalid"], 8);
  const std::map<std::uint64_t, std::string> expected = {
      {2, "applied"},
      {3, "invalid invalid_reference"},
      {5, "applied"},
      {6, "applied"},
      {7, "applied"},
      {8, "refused insufficient_funds"},
      {9, "refused wallet_not_found"},
      {10, "refused currency_mismatch"},
      {11, "invalid invalid_input"},
      {12, "invalid invalid_amount"},
      {13, "invalid invalid_wallet_id"},
      {14, "invalid invalid_release_at"},
      {15, "invalid invalid_input"},
      {16, "invalid invalid_input"},
      {17, "invalid invalid_input"},
      {18, "refused idempotency_conflict"},
      {19, "replayed"},
      {20, "refused same_wallet"},
      {21, "applied"},
      {22, "refused insufficient_funds"},
      {23, "applied"},
  };
  EXPECT_EQ(report(report_path), expected);
  EXPECT_NE(r.err.find("line 8: refused: insufficient_funds"), std::string::npos) << r.err;
  EXPECT_EQ(balance(a), 100);
  EXPECT_EQ(WalletStore(conn(), 1).get(a).held.minor(), 100);
  EXPECT_EQ(balance(b), 200);
  EXPECT_EQ(balance(e), 0);
  EXPECT_EQ(WalletStore(conn(), 1).get_by_user("carol", "USD").balance.minor(), 250);
  const auto ref = conn().exec("SELECT reference FROM transactions WHERE idempotency_key = 'k-charge'");
  EXPECT_EQ(ref.str(0, 0), "invoice 1, \"first\"");
  EXPECT_TRUE(run_audit(conn()).passed());
}

// Pending transfers and reversals in settlement files: a capture names its pending transfer by
// the key that opened it, in the same file (even the same batch) or a later one; a rerun
// applies nothing twice.
TEST_F(ReplayTest, PendingCaptureVoidAndReverseRowsByKey) {
  WalletStore wallets(conn(), 5);
  const auto a = wallets.create("alice", "USD").id, b = wallets.create("bob", "USD").id;
  const std::string first =
      "op,wallet_id,to_wallet_id,amount,idempotency_key,target,reason\n"
      "charge," + a + ",,1000,fund-1,,\n"          // 2 applied
      "pending," + a + "," + b + ",600,hold-1,,\n"  // 3 applied: 600 reserved
      "capture,,,400,,hold-1,\n"                   // 4 applied: 400 moves, 200 released
      "pending," + a + "," + b + ",100,hold-2,,\n"  // 5 applied
      "capture,,,1,,hold-9,\n"                     // 6 refused: no such key
      "void,,,,,hold-1,\n";                        // 7 refused: captured already
  const auto report_path = temp_path("two-phase-report.csv");
  const auto run = walletctl({"replay", write("two-phase.csv", first), "--report", report_path, "--key-scope", "acme"});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // rows were refused
  const auto rows = report(report_path);
  const std::map<std::uint64_t, std::string> expected{
      {2, "applied"}, {3, "applied"}, {4, "applied"}, {5, "applied"},
      {6, "refused transfer_not_found"}, {7, "refused transfer_not_pending"}};
  EXPECT_EQ(rows, expected);
  EXPECT_EQ(balance(a), 1000 - 400);
  EXPECT_EQ(balance(b), 400);
  EXPECT_EQ(WalletStore(conn(), 1).get(a).pending_out.minor(), 100);

  // A later file voids the second hold and reverses part of the charge, both by key; running
  // the first again changes nothing.
  const auto later = walletctl({"replay", write("later.csv", "op,target,amount,reason\nvoid,hold-2,,\n"
                                                             "reverse,fund-1,250,goodwill\n"),
                                "--key-scope", "acme"});
  EXPECT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(WalletStore(conn(), 1).get(a).pending_out.minor(), 0);
  EXPECT_EQ(balance(a), 1000 - 400 - 250);
  const auto before = user_balances(conn());
  walletctl({"replay", write("two-phase.csv", first), "--key-scope", "acme"});
  EXPECT_EQ(user_balances(conn()), before);
  EXPECT_TRUE(run_audit(conn()).passed());
}

// The optional metadata column: a JSON object per row, kept with what the row records; a row
// whose metadata is refused is reported and changes nothing.
TEST_F(ReplayTest, AMetadataColumnKeepsEachRowsPairs) {
  WalletStore wallets(conn(), 5);
  const auto a = wallets.create("alice", "USD").id, b = wallets.create("bob", "USD").id;
  const std::string file =
      "op,wallet_id,to_wallet_id,amount,metadata\n"
      "charge," + a + ",,1000,\"{\"\"batch\"\":\"\"b1\"\",\"\"row\"\":\"\"2\"\"}\"\n"  // 2 applied
      "transfer," + a + "," + b + ",100,\"{\"\"batch\"\":\"\"b1\"\"}\"\n"          // 3 applied
      "transfer," + a + "," + b + ",5,\n"                                        // 4 applied, no metadata
      "transfer," + a + "," + b + ",7,\"{\"\"batch\"\":1}\"\n"                   // 5 invalid
      "transfer," + a + "," + b + ",9,not json\n";                              // 6 invalid
  const auto report_path = temp_path("metadata-report.csv");
  const auto run = walletctl({"replay", write("metadata.csv", file), "--report", report_path});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const std::map<std::uint64_t, std::string> expected{{2, "applied"}, {3, "applied"}, {4, "applied"},
                                                      {5, "invalid invalid_metadata"},
                                                      {6, "invalid invalid_metadata"}};
  EXPECT_EQ(report(report_path), expected);
  EXPECT_EQ(balance(a), 1000 - 100 - 5);
  const auto history = walletctl({"--output", "json", "history", a, "--metadata", "batch=b1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const auto items = json::parse(history.out)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["metadata"], (json{{"batch", "b1"}}));
  EXPECT_EQ(items[1]["metadata"], (json{{"batch", "b1"}, {"row", "2"}}));
}

// Controls on a wallet in a settlement file: each applies in file order between the rows around
// it (even inside one batch), is recorded under its key, and is not done again by a rerun.
TEST_F(ReplayTest, FreezeUnfreezeAndSetLimitRowsApplyInFileOrderOnce) {
  WalletStore wallets(conn(), 5);
  const auto a = wallets.create("alice", "USD").id, b = wallets.create("bob", "USD").id;
  const std::string file =
      "op,wallet_id,user_id,to_wallet_id,amount,idempotency_key,reason\n"
      "charge," + a + ",,,1000,c-1,\n"                // 2 applied
      "freeze," + a + ",,,,f-1,fraud review\n"        // 3 applied
      "transfer," + a + ",," + b + ",100,t-1,\n"      // 4 refused: frozen by the row before
      "charge," + b + ",,,100,c-2,\n"                 // 5 applied
      "transfer," + b + ",," + a + ",50,t-2,\n"       // 6 applied: credits still arrive
      "unfreeze,,alice,,,u-1,cleared\n"               // 7 applied, by user
      "transfer," + a + ",," + b + ",100,t-3,\n"      // 8 applied
      "set_limit," + a + ",,,500,l-1,\n"              // 9 applied
      "transfer," + a + ",," + b + ",1300,t-4,\n"     // 10 applied: 950 - 1300 = -350
      "set_limit," + a + ",,,100,l-2,\n"              // 11 refused: owes 350
      "freeze," + a + ",,,,,\n"                       // 12 invalid: no reason
      "unfreeze," + a + ",,,,u-2,not frozen\n"        // 13 refused
      "freeze," + a + ",,,,t-3,reused key\n"          // 14 refused: t-3 was a transfer
      "set_limit,,carol,,,l-3,\n";                    // 15 invalid: no amount
  const auto report_path = temp_path("controls-report.csv");
  const auto run = walletctl({"replay", write("controls.csv", file), "--report", report_path, "--key-scope", "acme"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const std::map<std::uint64_t, std::string> expected{
      {2, "applied"},  {3, "applied"},
      {4, "refused wallet_frozen"},
      {5, "applied"},  {6, "applied"},
      {7, "applied"},  {8, "applied"},
      {9, "applied"},  {10, "applied"},
      {11, "refused limit_below_debt"},
      {12, "invalid invalid_reason"},
      {13, "refused wallet_not_frozen"},
      {14, "refused idempotency_conflict"},
      {15, "invalid invalid_amount"}};
  EXPECT_EQ(report(report_path), expected);
  const auto alice = WalletStore(conn(), 1).get(a);
  EXPECT_EQ(alice.balance.minor(), -350);
  EXPECT_EQ(alice.overdraft_limit.minor(), 500);
  EXPECT_FALSE(alice.frozen_at.has_value());
  EXPECT_EQ(balance(b), 100 - 50 + 100 + 1300);
  const auto events = [&](const char* type) {
    return conn().exec("SELECT count(*) FROM outbox WHERE event_type = $1", {type}).int64(0, 0);
  };
  EXPECT_EQ(events("wallet.frozen"), 1);
  EXPECT_EQ(events("wallet.unfrozen"), 1);
  EXPECT_EQ(events("wallet.overdraft_limit_changed"), 1);

  // Again: the freeze, unfreeze and limit are replayed, not done twice (no second freeze of the
  // wallet, no new events); a refused row is tried again, as every refused row is, and the
  // transfer the freeze stopped applies now that the wallet is not frozen.
  const auto again_path = temp_path("controls-again.csv");
  const auto again = walletctl({"replay", write("controls.csv", file), "--report", again_path, "--key-scope", "acme"});
  EXPECT_EQ(again.exit_code, 1) << again.err;
  const auto rerun = report(again_path);
  for (const std::uint64_t line : {2, 3, 5, 6, 7, 8, 9, 10}) EXPECT_EQ(rerun.at(line), "replayed") << line;
  EXPECT_EQ(rerun.at(4), "applied");
  EXPECT_EQ(rerun.at(13), "refused wallet_not_frozen");
  EXPECT_EQ(events("wallet.frozen"), 1);
  EXPECT_EQ(events("wallet.overdraft_limit_changed"), 1);
  EXPECT_EQ(balance(a), -450);

  // A dry run changes nothing and reports what would apply.
  const auto dry = walletctl({"--output", "json", "replay", "-", "--dry-run"},
                             "op,wallet_id,reason\nfreeze," + b + ",audit\nunfreeze," + b + ",not frozen\n");
  EXPECT_EQ(dry.exit_code, 1) << dry.err;
  EXPECT_EQ(json::parse(dry.out)["valid"], 1);
  EXPECT_EQ(json::parse(dry.out)["refused"], 1);
  EXPECT_FALSE(WalletStore(conn(), 1).get(b).frozen_at.has_value());
  EXPECT_EQ(events("wallet.frozen"), 1);
  EXPECT_TRUE(run_audit(conn()).passed());
}

TEST_F(ReplayTest, ASecondRunAppliesNothingAndReportsEveryRowReplayed) {
  const auto file = temp_path("twice.csv");
  ASSERT_EQ(gen_settlement({"--rows", "3000", "--wallets", "50", "--out", file}).exit_code, 0);
  const auto first = walletctl({"--output", "json", "replay", file, "--batch-size", "700"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(json::parse(first.out)["applied"], 3000);
  const auto before = user_balances(conn());
  const auto report_path = temp_path("twice-report.csv");
  const auto second = walletctl({"--output", "json", "replay", file, "--report", report_path, "--batch-size", "300"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(json::parse(second.out)["replayed"], 3000);
  EXPECT_EQ(json::parse(second.out)["applied"], 0);
  const auto rows = report(report_path);
  EXPECT_EQ(rows.size(), 3000u);
  for (const auto& [line, status] : rows) EXPECT_EQ(status, "replayed") << line;
  EXPECT_EQ(user_balances(conn()), before);
  EXPECT_TRUE(run_audit(conn()).passed());
}

TEST_F(ReplayTest, KilledHalfWayThenRunAgainEndsAsOneCleanRun) {
  constexpr int kRows = 200'000;
  const auto file = temp_path("big.csv");
  ASSERT_EQ(
      gen_settlement({"--rows", std::to_string(kRows), "--wallets", "1000", "--out", file}).exit_code, 0);
  // A copy of the database as the file found it, for the clean run to compare with.
  TestDatabase clean(false);
  disconnect();
  {
    auto admin = pg::Connection::open(required_env("DATABASE_ADMIN_URL"), 10);
    const auto name = [](const std::string& url) { return url.substr(url.rfind('/') + 1); };
    admin.exec_script("DROP DATABASE " + name(clean.url()));
    admin.exec_script("CREATE DATABASE " + name(clean.url()) + " TEMPLATE " + name(db_.url()));
  }
  const int pid = start_process({walletctl_path(), "replay", file, "--quiet"}, env(db_));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (conn().exec("SELECT count(*) FROM transactions").int64(0, 0) < kRows / 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  EXPECT_EQ(wait_process(pid), 128 + SIGKILL);
  // A COMMIT the client sent just before it died still completes in its server process, which
  // ends only once it finds the client gone: count after that, or the count can miss a batch.
  static constexpr const char* kOtherSessions =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
      "AND backend_type = 'client backend'";
  const auto gone_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (conn().exec(kOtherSessions).int64(0, 0) > 0 && std::chrono::steady_clock::now() < gone_by) {
  }
  ASSERT_EQ(conn().exec(kOtherSessions).int64(0, 0), 0) << "the killed replay's session never ended";
  const auto applied_before_crash = conn().exec("SELECT count(*) FROM transactions").int64(0, 0);
  EXPECT_GE(applied_before_crash, kRows / 2);
  EXPECT_LT(applied_before_crash, kRows);

  const auto resumed = walletctl({"--output", "json", "replay", file});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(json::parse(resumed.out)["replayed"], applied_before_crash);
  const auto once = run_process({walletctl_path(), "replay", file, "--quiet"}, env(clean));
  ASSERT_EQ(once.exit_code, 0) << once.err;
  auto clean_conn = clean.connect();
  EXPECT_EQ(user_balances(conn()), user_balances(clean_conn));
  EXPECT_EQ(conn().exec("SELECT count(*) FROM transactions").int64(0, 0), kRows);
  EXPECT_TRUE(run_audit(conn()).passed());
}

TEST_F(ReplayTest, TwoFilesAgainstTheSameWalletsAtOnceBothComplete) {
  const auto one = temp_path("one.csv"), two = temp_path("two.csv");
  ASSERT_EQ(gen_settlement({"--rows", "20000", "--wallets", "40", "--out", one}).exit_code, 0);
  ASSERT_EQ(
      gen_settlement({"--rows", "20000", "--wallets", "40", "--variant", "2", "--out", two}).exit_code, 0);
  const int first = start_process({walletctl_path(), "replay", one, "--batch-size", "300"}, env(db_));
  const int second = start_process({walletctl_path(), "replay", two, "--batch-size", "200"}, env(db_));
  EXPECT_EQ(wait_process(first), 0);
  EXPECT_EQ(wait_process(second), 0);
  EXPECT_EQ(conn().exec("SELECT count(*) FROM transactions").int64(0, 0), 40'000);
  const auto report = run_audit(conn());
  for (const auto& c : report.checks) EXPECT_TRUE(c.passed()) << c.name;
}

// A batch of charges and withdrawals beside transfers among other wallets runs on two
// connections at once (core/replay_lanes.hpp). Every row here succeeds only in file order
// (each chain moves money it just received on, and each cycle passes one wallet's whole
// balance round), and the rows marked refused are refused only in file order too.
TEST_F(ReplayTest, RowsThatDependOnEachOtherApplyAsInFileOrderWhileBatchesSplitAcrossTwoConnections) {
  WalletStore wallets(conn(), 5);
  Ledger ledger(conn(), db_.settings());
  std::string file = "op,wallet_id,to_wallet_id,amount\n";
  std::map<std::uint64_t, std::string> expected;
  std::map<std::string, std::int64_t> balances;
  std::uint64_t line = 1;
  const auto row = [&](const std::string& op, const std::string& from, const std::string& to, int amount,
                       const std::string& outcome) {
    file += op + "," + from + "," + to + "," + std::to_string(amount) + "\n";
    expected[++line] = outcome;
  };
  for (int i = 0; i < 20; ++i) {  // system lane: charge, pass it on twice, withdraw part
    const auto a = wallets.create("chain-a" + std::to_string(i), "USD").id;
    const auto b = wallets.create("chain-b" + std::to_string(i), "USD").id;
    const auto c = wallets.create("chain-c" + std::to_string(i), "USD").id;
    row("charge", a, "", 100, "applied");
    row("transfer", a, b, 100, "applied");
    row("transfer", b, c, 100, "applied");
    row("withdraw", c, "", 30, "applied");
    row("transfer", a, c, 1, "refused insufficient_funds");
    balances[a] = 0, balances[b] = 0, balances[c] = 70;
  }
  for (int i = 0; i < 20; ++i) {  // plain lane: 100 goes p -> q -> r -> p -> q
    const auto p = wallets.create("cycle-p" + std::to_string(i), "USD").id;
    const auto q = wallets.create("cycle-q" + std::to_string(i), "USD").id;
    const auto r = wallets.create("cycle-r" + std::to_string(i), "USD").id;
    Operation fund;
    fund.wallet.wallet_id = p;
    fund.amount = Money(100);
    ledger.apply_one(fund);
    row("transfer", p, q, 100, "applied");
    row("transfer", q, r, 100, "applied");
    row("transfer", r, p, 100, "applied");
    row("transfer", r, q, 1, "refused insufficient_funds");
    row("transfer", p, q, 100, "applied");
    balances[p] = 0, balances[q] = 100, balances[r] = 0;
  }
  const auto path = write("dependent.csv", file), out = temp_path("dependent-report.csv");
  const auto run = walletctl({"replay", path, "--report", out, "--quiet"});
  ASSERT_EQ(run.exit_code, 1) << run.err;  // the refused rows
  EXPECT_EQ(report(out), expected);
  for (const auto& [wallet, minor] : balances) EXPECT_EQ(balance(wallet), minor) << wallet;
  EXPECT_TRUE(run_audit(conn()).passed());

  // Run again: nothing moves, and every row answers as its first run did.
  const auto again = walletctl({"replay", path, "--report", out, "--quiet"});
  ASSERT_EQ(again.exit_code, 1) << again.err;
  auto replayed = expected;
  for (auto& [l, outcome] : replayed) {
    if (outcome == "applied") outcome = "replayed";
  }
  EXPECT_EQ(report(out), replayed);
  for (const auto& [wallet, minor] : balances) EXPECT_EQ(balance(wallet), minor) << wallet;
}

TEST_F(ReplayTest, StandardInputDryRunAndStopOnError) {
  const auto w = WalletStore(conn(), 5).create("alice", "USD").id;
  const std::string file = "op,wallet_id,amount\ncharge," + w + ",10\ncharge," + w + ",x\ncharge," + w + ",20\n";
  const auto dry = walletctl({"--output", "json", "replay", "-", "--dry-run"}, file);
  EXPECT_EQ(dry.exit_code, 1);
  EXPECT_EQ(json::parse(dry.out)["valid"], 2);
  EXPECT_EQ(json::parse(dry.out)["invalid"], 1);
  EXPECT_EQ(balance(w), 0);

  const auto stopped = walletctl({"--output", "json", "replay", "-", "--stop-on-error"}, file);
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_EQ(json::parse(stopped.out)["applied"], 1);
  EXPECT_TRUE(json::parse(stopped.out)["stopped_early"]);
  EXPECT_EQ(balance(w), 10);

  const auto rest = walletctl({"--output", "json", "replay", "-"}, file);
  EXPECT_EQ(rest.exit_code, 1);
  EXPECT_EQ(json::parse(rest.out)["replayed"], 1);
  EXPECT_EQ(json::parse(rest.out)["applied"], 1);
  EXPECT_EQ(balance(w), 30);
}

// Two senders number their rows alike: the same key on the same kind of row. Without a scope
// the second file's rows looked replayed and were not applied (the sender's money never moved).
// With --key-scope each sender's keys live apart, and a rerun of either file applies nothing.
TEST_F(ReplayTest, TwoSendersFilesWithTheSameKeysBothApplyInTheirOwnScopes) {
  const auto w = WalletStore(conn(), 5).create("alice", "USD").id;
  const std::string file = "op,wallet_id,amount,idempotency_key\ncharge," + w + ",10,row-1\ncharge," + w + ",20,row-2\n";
  const auto acme = walletctl({"--output", "json", "replay", "-", "--key-scope", "acme"}, file);
  EXPECT_EQ(acme.exit_code, 0) << acme.err;
  const auto globex = walletctl({"--output", "json", "replay", "-", "--key-scope", "globex"}, file);
  EXPECT_EQ(globex.exit_code, 0) << globex.err;
  EXPECT_EQ(json::parse(globex.out)["applied"], 2);
  EXPECT_EQ(balance(w), 60);
  const auto again = walletctl({"--output", "json", "replay", "-", "--key-scope", "acme"}, file);
  EXPECT_EQ(json::parse(again.out)["replayed"], 2);
  EXPECT_EQ(balance(w), 60);
  // A CLI command with the same key is in neither sender's scope.
  const auto cli = walletctl({"charge", w, "10", "--key", "row-1"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(balance(w), 70);
  for (const std::string& bad : {std::string(), std::string("a b"), std::string(65, 'x'), std::string("acme/1"), std::string("\xc3\xa9")}) {
    const auto r = walletctl({"replay", "-", "--key-scope", bad}, file);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--key-scope must be"), std::string::npos) << r.err;
  }
  EXPECT_EQ(balance(w), 70);
}

TEST_F(ReplayTest, StopOnErrorStopsAtARefusedRowInsideABatch) {
  const auto w = WalletStore(conn(), 5).create("alice", "USD").id;
  const std::string file = "op,wallet_id,amount\ncharge," + w + ",10\nwithdraw," + w + ",50\ncharge," + w + ",20\n";
  const auto r = walletctl({"--output", "json", "replay", "-", "--stop-on-error"}, file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["applied"], 1);
  EXPECT_EQ(json::parse(r.out)["refused"], 1);
  EXPECT_EQ(balance(w), 10);
}

TEST_F(ReplayTest, AProgressBarOnATerminalPlainLinesForLogsAndNothingWithQuiet) {
  const auto file = temp_path("progress.csv");
  ASSERT_EQ(gen_settlement({"--rows", "2000", "--wallets", "20", "--out", file}).exit_code, 0);
  const auto terminal = run_on_terminal({walletctl_path(), "replay", file}, env(db_));
  EXPECT_EQ(terminal.exit_code, 0) << terminal.out;
  EXPECT_NE(terminal.out.find("100%"), std::string::npos) << terminal.out;
  EXPECT_NE(terminal.out.find("rows/s  ETA"), std::string::npos) << terminal.out;

  const auto quiet = run_on_terminal({walletctl_path(), "replay", file, "--quiet"}, env(db_));
  EXPECT_EQ(quiet.out.find("ETA"), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("2000 replayed"), std::string::npos) << quiet.out;

  const auto cron = walletctl({"replay", file});  // stderr is a pipe, as under cron
  EXPECT_EQ(cron.exit_code, 0);
  EXPECT_EQ(cron.err.find('\r'), std::string::npos) << cron.err;
  EXPECT_EQ(cron.err.find("ETA"), std::string::npos) << cron.err;
  EXPECT_NE(cron.err.find("replay: 2000 rows read"), std::string::npos) << cron.err;

  // For a cron log: a plain line each time another --progress-rows rows are done.
  const auto plain =
      walletctl({"replay", file, "--progress", "plain", "--progress-rows", "500", "--batch-size", "250"});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.err.find('\r'), std::string::npos) << plain.err;
  for (const char* line : {"replay: 500 rows, ", "replay: 1000 rows, ", "replay: 1500 rows, ", "replay: 2000 rows, "}) {
    EXPECT_NE(plain.err.find(line), std::string::npos) << line << " in " << plain.err;
  }
  EXPECT_EQ(plain.err.find("replay: 750 rows"), std::string::npos) << plain.err;
  EXPECT_EQ(walletctl({"replay", file, "--progress", "sometimes"}).exit_code, 2);
  EXPECT_EQ(walletctl({"replay", file, "--progress", "plain", "--progress-rows", "0"}).exit_code, 2);
}

TEST_F(ReplayTest, UnreadableFilesExitTwoAndAnUnreachableDatabaseThree) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"op,wallet_id,amount,colour\n", "unknown column 'colour'"},
      {"wallet_id,amount\n", "needs the columns"},
      {std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0",
                   10),
       "unknown column"},
  };
  for (const auto& [content, needle] : cases) {
    const auto r = walletctl({"replay", write("bad.csv", content)});
    EXPECT_EQ(r.exit_code, 2) << needle << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  }
  EXPECT_EQ(walletctl({"replay", "/nonexistent/file.csv"}).exit_code, 2);
  EXPECT_EQ(walletctl({"replay", write("ok.csv", "op,wallet_id,amount\n"), "--batch-size", "0"}).exit_code, 2);
  const auto down =
      run_process({walletctl_path(), "replay", write("ok2.csv", "op,wallet_id,amount\n")},
                  {{"DATABASE_URL", "postgresql://wallet:pw@127.0.0.1:1/x"}, {"WALLET_DATABASE_CONNECT_TIMEOUT", "2"}});
  EXPECT_EQ(down.exit_code, 3) << down.err;
}

}  // namespace
}  // namespace wallet::testing
