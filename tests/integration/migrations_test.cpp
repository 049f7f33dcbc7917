// Migrations: idempotent, safe when two run at once, and refusing an applied file that changed.
#include <gtest/gtest.h>

#include <thread>

#include "core/errors.hpp"
#include "core/migrations.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

TEST(Migrations, SecondRunIsANoOp) {
  TestDatabase db(false);
  auto conn = db.connect();
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
        auto conn = db.connect();
        applied[static_cast<std::size_t>(i)] = Migrator(conn, embedded_migrations()).up().size();
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors[0] + errors[1], "");
  EXPECT_EQ(applied[0] + applied[1], embedded_migrations().size());
  auto conn = db.connect();
  EXPECT_EQ(conn.exec("SELECT count(*) FROM schema_migrations").int64(0, 0),
            static_cast<std::int64_t>(embedded_migrations().size()));
}

TEST(Migrations, AChangedAppliedFileIsRefused) {
  TestDatabase db(false);
  auto conn = db.connect();
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
  auto conn = db.connect();
  std::vector<EmbeddedMigration> files = {{"0001_broken.sql", "CREATE TABLE t1 (x int); SELECT no_such_function();"}};
  EXPECT_THROW(Migrator(conn, files).up(), pg::Error);
  EXPECT_FALSE(conn.exec("SELECT to_regclass('t1') IS NOT NULL").boolean(0, 0));
  EXPECT_FALSE(Migrator(conn, files).status().at(0).applied);
}

}  // namespace
}  // namespace wallet::testing
