// The PostgreSQL layer: pipelines, error classification, and a connection that stays usable.
// Scratch tables of their own need the owner role: the application role may not create tables.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <limits>

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

// Arrays of the types param.cpp encodes travel in binary; each element, NULLs and empty arrays
// must read back as written, and an array of another type (timestamptz) still goes as text.
TEST(Connection, ArraysOfEveryEncodedTypeReadBackAsWritten) {
  TestDatabase db;
  auto conn = db.owner();
  conn.exec(
      "CREATE TABLE typed (n int, id uuid, big bigint, small int, flag boolean, label text, doc json, "
      "bin jsonb, at timestamptz)");
  static constexpr const char* kInsertTyped =
      "INSERT INTO typed SELECT * FROM unnest($1::int[], $2::uuid[], $3::bigint[], $4::int[], $5::boolean[], "
      "$6::text[], $7::json[], $8::jsonb[], $9::timestamptz[])";
  const std::vector<std::optional<std::string>> ids{"01a251df-394b-72b5-a002-C9C6A548C1D6", std::nullopt};
  conn.exec(kInsertTyped, {pg::int_array({1, 2}), pg::text_array(ids),
                           pg::int_array({std::numeric_limits<std::int64_t>::min(), 9007199254740993}),
                           pg::text_array(std::vector<std::string>{"-2147483648", "2147483647"}),
                           pg::text_array(std::vector<std::string>{"true", "f"}),
                           pg::text_array(std::vector<std::optional<std::string>>{"tab\t \"é\" {a,b}", ""}),
                           pg::text_array(std::vector<std::string>{R"({"b": 1,  "a": [2]})", "null"}),
                           pg::text_array(std::vector<std::string>{R"({"b": 1,  "a": [2]})", "[]"}),
                           pg::text_array(std::vector<std::string>{"2026-12-07T10:00:00Z", "2026-12-07T10:00:01.5Z"})});
  const auto rows = conn.exec(
      "SELECT id, big, small, flag, label, doc, bin, extract(epoch FROM at) FROM typed ORDER BY n");
  ASSERT_EQ(rows.rows(), 2);
  EXPECT_EQ(rows.str(0, 0), "01a251df-394b-72b5-a002-c9c6a548c1d6");
  EXPECT_TRUE(rows.is_null(1, 0));
  EXPECT_EQ(rows.str(0, 1), "-9223372036854775808");
  EXPECT_EQ(rows.str(1, 1), "9007199254740993");
  EXPECT_EQ(rows.str(0, 2), "-2147483648");
  EXPECT_EQ(rows.str(1, 2), "2147483647");
  EXPECT_EQ(rows.str(0, 3), "t");
  EXPECT_EQ(rows.str(1, 3), "f");
  EXPECT_EQ(rows.str(0, 4), "tab\t \"é\" {a,b}");
  EXPECT_EQ(rows.str(1, 4), "");
  EXPECT_EQ(rows.str(0, 5), R"({"b": 1,  "a": [2]})") << "json keeps its text";
  EXPECT_EQ(rows.str(0, 6), R"({"a": [2], "b": 1})");
  EXPECT_EQ(rows.str(1, 6), "[]");
  EXPECT_EQ(rows.str(0, 7), "1796637600.000000");
  EXPECT_EQ(rows.str(1, 7), "1796637601.500000");

  constexpr Oid kUuidArray = 2951, kTimestamptzArray = 1185;
  EXPECT_TRUE(pg::text_array(ids).wire(kUuidArray).binary);
  EXPECT_FALSE(pg::text_array(ids).wire(kTimestamptzArray).binary);

  static constexpr const char* kCountIn = "SELECT count(*) FROM typed WHERE id = ANY($1::uuid[])";
  EXPECT_EQ(conn.exec(kCountIn, {pg::text_array(std::vector<std::string>{})}).int64(0, 0), 0) << "an empty array";
  // What does not encode goes as text, for the server to refuse as it always did.
  for (const char* bad : {"not-a-uuid", "01a251df394b72b5a002c9c6a548c1d6ff", "01a251df-394b-72b5-a002-c9c6a548c1dg"}) {
    try {
      conn.exec(kCountIn, {pg::text_array(std::vector<std::string>{bad})});
      ADD_FAILURE() << bad << " accepted";
    } catch (const pg::Error& e) {
      EXPECT_EQ(e.sqlstate(), "22P02") << bad;
    }
  }
  EXPECT_THROW(conn.exec(kInsertTyped, {pg::int_array({3}), {}, {}, pg::int_array({std::int64_t{1} << 40})}),
               pg::Error)
      << "an integer past int's range";
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
