// The connection pool on the real PostgreSQL: bounded, waiting then refusing when exhausted,
// and replacing connections the server closed.
#include <gtest/gtest.h>

#include <thread>

#include "core/errors.hpp"
#include "core/pg/pool.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

pg::PoolOptions options(const TestDatabase& db, int size, int timeout_ms) {
  return {db.url(), size, 5, std::chrono::milliseconds(timeout_ms)};
}

std::string backend_pid(pg::Connection& conn) {
  static constexpr const char* kPid = "SELECT pg_backend_pid()";
  return conn.exec(kPid).str(0, 0);
}

TEST(PoolTest, ReusesConnectionsAndNeverOpensMoreThanItsSize) {
  TestDatabase db;
  pg::ConnectionPool pool(options(db, 2, 100));
  std::string first;
  {
    auto a = pool.acquire();
    first = backend_pid(*a);
  }
  auto a = pool.acquire();
  EXPECT_EQ(backend_pid(*a), first);  // the idle connection was reused
  auto b = pool.acquire();
  EXPECT_EQ(pool.stats().in_use, 2);
  try {
    pool.acquire();
    FAIL() << "a third connection from a pool of two";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
  EXPECT_EQ(pool.stats().timeouts, 1u);
  EXPECT_EQ(pool.stats().open, 2);
}

TEST(PoolTest, AWaiterGetsTheConnectionReleasedMeanwhile) {
  TestDatabase db;
  pg::ConnectionPool pool(options(db, 1, 10'000));
  auto held = std::make_unique<pg::Lease>(pool.acquire());
  std::thread waiter([&] {
    auto mine = pool.acquire();
    EXPECT_FALSE(backend_pid(*mine).empty());
  });
  // The waiter is counted as waiting before the connection is given back.
  while (pool.stats().waiting == 0) std::this_thread::yield();
  held.reset();
  waiter.join();
  EXPECT_EQ(pool.stats().waits, 1u);
  EXPECT_EQ(pool.stats().timeouts, 0u);
}

TEST(PoolTest, AConnectionTheServerClosedIsReplacedBeforeReuse) {
  TestDatabase db;
  pg::ConnectionPool pool(options(db, 1, 1000));
  std::string old_pid;
  {
    auto c = pool.acquire();
    old_pid = backend_pid(*c);
  }
  auto admin = db.admin();
  static constexpr const char* kTerminate = "SELECT pg_terminate_backend($1::int)";
  static constexpr const char* kGone = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int";
  admin.exec(kTerminate, {old_pid});
  while (admin.exec(kGone, {old_pid}).int64(0, 0) != 0) std::this_thread::yield();
  auto c = pool.acquire();
  EXPECT_NE(backend_pid(*c), old_pid);  // no error reached the caller
  EXPECT_EQ(pool.stats().replaced, 1u);
}

TEST(PoolTest, AConnectionLeftInATransactionIsNotReused) {
  TestDatabase db;
  pg::ConnectionPool pool(options(db, 1, 1000));
  std::string pid;
  {
    auto c = pool.acquire();
    pid = backend_pid(*c);
    static constexpr const char* kBegin = "BEGIN";
    c->exec(kBegin);
  }
  auto c = pool.acquire();
  EXPECT_NE(backend_pid(*c), pid);
}

TEST(PoolTest, UnreachableDatabaseIsUnavailableAndFreesTheSlot) {
  pg::ConnectionPool pool({"postgresql://wallet@127.0.0.1:1/none", 1, 2, std::chrono::milliseconds(100)});
  for (int i = 0; i < 3; ++i) {
    try {
      pool.acquire();
      FAIL() << "connected to port 1";
    } catch (const DomainError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    }
  }
  EXPECT_EQ(pool.stats().in_use, 0);
  EXPECT_EQ(pool.stats().timeouts, 0u);  // refused at once, never waiting on a leaked slot
}

}  // namespace
}  // namespace wallet::testing
