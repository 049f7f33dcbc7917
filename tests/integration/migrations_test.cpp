// Migrations: idempotent, safe when two run at once, and refusing an applied file that changed.
#include <gtest/gtest.h>

#include <thread>

#include <algorithm>

#include "core/audit.hpp"
#include "core/entry_chain.hpp"
#include "core/errors.hpp"
#include "core/migrations.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

TEST(Migrations, SecondRunIsANoOp) {
  TestDatabase db(false);
  auto conn = db.owner();
  EXPECT_EQ(Migrator(conn, embedded_migrations()).up().size(), embedded_migrations().size());
  EXPECT_TRUE(Migrator(conn, embedded_migrations()).up().empty());
  for (const auto& m : Migrator(conn, embedded_migrations()).status()) EXPECT_TRUE(m.applied) << m.name;
}

TEST(Migrations, TwoAtOnceApplyEachFileOnce) {
  TestDatabase db(false);
  std::vector<std::size_t> applied(2);
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto conn = db.owner();
        applied[static_cast<std::size_t>(i)] = Migrator(conn, embedded_migrations()).up().size();
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors[0] + errors[1], "");
  EXPECT_EQ(applied[0] + applied[1], embedded_migrations().size());
  auto conn = db.owner();
  EXPECT_EQ(conn.exec("SELECT count(*) FROM schema_migrations").int64(0, 0),
            static_cast<std::int64_t>(embedded_migrations().size()));
}

TEST(Migrations, AChangedAppliedFileIsRefused) {
  TestDatabase db(false);
  auto conn = db.owner();
  std::vector<EmbeddedMigration> files = {{"0001_first.sql", "CREATE TABLE t1 (x int);"}};
  Migrator(conn, files).up();
  files[0].sql = "CREATE TABLE t1 (x bigint);";
  files.push_back({"0002_second.sql", "CREATE TABLE t2 (x int);"});
  try {
    Migrator(conn, files).up();
    FAIL() << "changed migration accepted";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kMigrationChanged);
    EXPECT_NE(std::string(e.what()).find("0001_first.sql"), std::string::npos);
  }
  EXPECT_FALSE(conn.exec("SELECT to_regclass('t2') IS NOT NULL").boolean(0, 0));
}

TEST(Migrations, AFailingFileLeavesNothingBehind) {
  TestDatabase db(false);
  auto conn = db.owner();
  std::vector<EmbeddedMigration> files = {{"0001_broken.sql", "CREATE TABLE t1 (x int); SELECT no_such_function();"}};
  EXPECT_THROW(Migrator(conn, files).up(), pg::Error);
  EXPECT_FALSE(conn.exec("SELECT to_regclass('t1') IS NOT NULL").boolean(0, 0));
  EXPECT_FALSE(Migrator(conn, files).status().at(0).applied);
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

// Entries written before the hash chain existed join it when 0004 runs, and the application
// continues the chain from there.
TEST(Migrations, TheHashChainMigrationChainsEarlierEntries) {
  TestDatabase db(false);
  auto conn = db.owner();
  const auto& all = embedded_migrations();
  const auto chain =
      std::find_if(all.begin(), all.end(), [](const auto& m) { return m.file_name.starts_with("0004"); });
  ASSERT_NE(chain, all.end());
  Migrator(conn, std::vector<EmbeddedMigration>(all.begin(), chain)).up();
  conn.exec_script(
      "INSERT INTO wallets (id, kind, currency) VALUES ('00000000-0000-0000-0000-00000000000f', 'funding', 'USD'); "
      "INSERT INTO wallets (id, kind, user_id, currency, balance) VALUES "
      "('00000000-0000-0000-0000-0000000000a1', 'user', 'alice', 'USD', 70); "
      "UPDATE wallets SET balance = -70 WHERE kind = 'funding'; "
      "INSERT INTO transactions (id, kind, amount, currency, source_wallet_id, destination_wallet_id) VALUES "
      "('00000000-0000-0000-0000-000000000001', 'charge', 30, 'USD', '00000000-0000-0000-0000-00000000000f', "
      "'00000000-0000-0000-0000-0000000000a1'), "
      "('00000000-0000-0000-0000-000000000002', 'charge', 40, 'USD', '00000000-0000-0000-0000-00000000000f', "
      "'00000000-0000-0000-0000-0000000000a1'); "
      "INSERT INTO ledger_entries (transaction_id, wallet_id, amount, balance_after) VALUES "
      "('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-00000000000f', -30, -30), "
      "('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000a1', 30, 30), "
      "('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-00000000000f', -40, -70), "
      "('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-0000000000a1', 40, 70)");
  Migrator(conn, all).up();
  static constexpr const char* kHeads = "SELECT count(*) FROM wallets WHERE chain_head = repeat('0', 64)";
  EXPECT_EQ(conn.exec(kHeads).int64(0, 0), 0);
  // The chain the SQL backfill computed is the one the application computes.
  static constexpr const char* kFirst =
      "SELECT entry_hash FROM ledger_entries WHERE wallet_id = '00000000-0000-0000-0000-0000000000a1' ORDER BY id "
      "LIMIT 1";
  EXPECT_EQ(conn.exec(kFirst).str(0, 0), entry_hash(kChainGenesis, "00000000-0000-0000-0000-000000000001",
                                                    "00000000-0000-0000-0000-0000000000a1", Money(30), Money(30)));
  for (const auto& check : run_audit(conn).checks) {
    if (check.name == "entry_hash_chain") {
      EXPECT_TRUE(check.passed());
    }
  }
}

}  // namespace
}  // namespace wallet::testing
