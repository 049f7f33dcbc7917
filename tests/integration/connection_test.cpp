// The PostgreSQL layer: pipelines, error classification, and a connection that stays usable.
// Scratch tables of their own need the owner role: the application role may not create tables.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "core/errors.hpp"
#include "core/pg/array.hpp"
#include "core/pg/transaction.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

constexpr const char* kCreate = "CREATE TABLE items (id int PRIMARY KEY, label text)";
constexpr const char* kInsert = "INSERT INTO items SELECT * FROM unnest($1::int[], $2::text[])";
constexpr const char* kCount = "SELECT count(*) FROM items";
constexpr const char* kLabels = "SELECT string_agg(label, '|' ORDER BY id) FROM items";

int tcp_option(int socket, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  EXPECT_EQ(getsockopt(socket, level, name, &value, &size), 0);
  return value;
}

// A lost server machine sends no reset: the socket itself must give up on it within seconds.
TEST(Connection, ASilentServerIsGivenUpWithinSecondsUnlessTheUrlSaysOtherwise) {
  TestDatabase db;
  auto conn = db.connect();
  EXPECT_EQ(tcp_option(conn.socket(), SOL_SOCKET, SO_KEEPALIVE), 1);
  EXPECT_EQ(tcp_option(conn.socket(), IPPROTO_TCP, TCP_KEEPIDLE), 5);
  EXPECT_EQ(tcp_option(conn.socket(), IPPROTO_TCP, TCP_KEEPINTVL), 2);
  EXPECT_EQ(tcp_option(conn.socket(), IPPROTO_TCP, TCP_KEEPCNT), 3);
  EXPECT_EQ(tcp_option(conn.socket(), IPPROTO_TCP, TCP_USER_TIMEOUT), 15000);
  const auto url = db.url() + (db.url().find('?') == std::string::npos ? "?" : "&") + "keepalives_idle=30";
  auto tuned = pg::Connection::open(url, 10);
  EXPECT_EQ(tcp_option(tuned.socket(), IPPROTO_TCP, TCP_KEEPIDLE), 30);
}

// Statements are prepared by the address of their text; other SQL in the same buffer (a string
// reused, a temporary's memory given to the next) must run as itself, not as the first.
TEST(Connection, NewTextInAReusedBufferRunsAsItself) {
  TestDatabase db;
  auto conn = db.connect();
  std::string sql = "SELECT 1";
  const char* buffer = sql.c_str();
  EXPECT_EQ(conn.exec(buffer).int64(0, 0), 1);
  sql.assign("SELECT 2");
  ASSERT_EQ(sql.c_str(), buffer) << "the same buffer holds the new text";
  EXPECT_EQ(conn.exec(sql.c_str()).int64(0, 0), 2);
  EXPECT_EQ(conn.exec(sql.c_str()).int64(0, 0), 2);
}

TEST(Connection, APipelineReturnsEveryResultInOrder) {
  TestDatabase db;
  auto conn = db.owner();
  conn.exec(kCreate);
  const auto results = conn.pipeline(
      {{kInsert, {pg::int_array({1, 2}), pg::text_array(std::vector<std::string>{"a,\"quoted\"", "back\\slash {x}"})}},
       {kCount, {}},
       {kLabels, {}}});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].int64(0, 0), 2);
  EXPECT_EQ(results[2].str(0, 0), "a,\"quoted\"|back\\slash {x}");
}

TEST(Connection, AFailedStatementInAPipelineIsClassifiedAndTheConnectionStaysUsable) {
  TestDatabase db;
  auto conn = db.owner();
  conn.exec(kCreate);
  try {
    conn.pipeline({{kInsert, {pg::int_array({1}), pg::text_array(std::vector<std::string>{"x"})}},
                   {kInsert, {pg::int_array({1}), pg::text_array(std::vector<std::string>{"dup"})}},
                   {kCount, {}}});
    FAIL() << "duplicate key accepted";
  } catch (const pg::Error& e) {
    EXPECT_EQ(e.kind(), pg::ErrorKind::kUniqueViolation);
    EXPECT_EQ(e.sqlstate(), "23505");
  }
  EXPECT_FALSE(conn.is_broken());
  // Outside a transaction a pipeline up to its sync point is one implicit transaction.
  EXPECT_EQ(conn.exec(kCount).int64(0, 0), 0);
}

TEST(Connection, AnErrorInsideATransactionRollsItAllBack) {
  TestDatabase db;
  auto conn = db.owner();
  conn.exec(kCreate);
  EXPECT_THROW(
      pg::in_transaction(conn, 3,
                         [&] {
                           conn.exec(kInsert, {pg::int_array({1}), pg::text_array(std::vector<std::string>{"x"})});
                           conn.exec(kInsert, {pg::int_array({1}), pg::text_array(std::vector<std::string>{"y"})});
                         }),
      pg::Error);
  EXPECT_EQ(conn.exec(kCount).int64(0, 0), 0);
}

TEST(Connection, ALostConnectionBecomesUnavailable) {
  TestDatabase db;
  auto conn = db.connect();
  const auto pid = conn.exec("SELECT pg_backend_pid()").str(0, 0);
  db.admin().exec("SELECT pg_terminate_backend($1::int)", {pid});
  try {
    pg::in_transaction(conn, 3, [&] { conn.exec(kCount); });
    FAIL() << "no error from a terminated connection";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
  }
}

TEST(Connection, AnUnreachableServerIsUnavailableAndNamesTheAddressWithoutThePassword) {
  try {
    pg::Connection::open("postgresql://wallet:s3cret@127.0.0.1:1/ledger", 2);
    FAIL();
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("postgresql://wallet@127.0.0.1:1/ledger"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos);
  }
}

}  // namespace
}  // namespace wallet::testing
