// One PostgreSQL connection (libpq) with RAII ownership, prepared statements cached per
// connection, pipelined batches of statements, and results with typed accessors.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/pg/error.hpp"
#include "core/pg/param.hpp"

namespace wallet::pg {

/// The result of one statement; owns its PGresult.
class Result {
 public:
  explicit Result(PGresult* res) : res_(res, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  int columns() const { return PQnfields(res_.get()); }
  /// Of a described prepared statement: its parameters and their types.
  int params() const { return PQnparams(res_.get()); }
  Oid param_type(int i) const { return PQparamtype(res_.get(), i); }
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col), static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string(text(row, col)); }
  std::optional<std::string> opt(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return str(row, col);
  }
  std::int64_t int64(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

/// A statement to run inside a pipeline. `sql` must have static storage (a named constant):
/// it keys the per-connection cache of prepared statements.
struct Statement {
  const char* sql;
  Params params;
};

class Connection {
 public:
  /// Connects to url (a postgresql:// URL or key=value string) with a connect timeout.
  /// Throws DomainError(kUnavailable) naming the address tried (never the password).
  static Connection open(const std::string& url, int connect_timeout_seconds);

  /// Runs a statement as a prepared statement, prepared on first use on this connection (SQL
  /// of static storage is prepared once; text in a reused buffer is prepared again when it
  /// changed). Throws pg::Error on failure.
  Result exec(const char* sql, const Params& params = {});

  /// Runs SQL text that may hold several statements and no parameters (migrations).
  void exec_script(const std::string& sql);

  /// Sends every statement at once in pipeline mode and collects their results in order: one
  /// network round trip. The first failure is thrown after the pipeline is drained.
  /// `meanwhile`, when given, runs once everything is sent, while the server works on it.
  std::vector<Result> pipeline(const std::vector<Statement>& statements,
                               const std::function<void()>& meanwhile = nullptr);

  /// Queues a statement to go out ahead of the next exec(), pipeline() or exec_script(), in
  /// the same round trip: for one whose result can wait (BEGIN, or a claim whose answer is
  /// needed only after the next lookup). With `keep`, its result waits for take_deferred();
  /// an error in it is thrown by the call that sent it.
  void defer(Statement statement, bool keep = false);
  /// Results of the kept deferred statements sent so far, oldest first.
  std::vector<Result> take_deferred();
  /// Forgets queued statements not sent yet and kept results (after a failed transaction).
  void discard_deferred();

  /// The socket, to wait on for notifications (LISTEN) with poll().
  int socket() const { return PQsocket(conn_.get()); }
  /// Reads what arrived on the socket and returns the payloads of pending notifications.
  /// Throws pg::Error(kConnection) when the connection is gone.
  std::vector<std::string> take_notifications();
  /// The same, for a caller that only needs to know something arrived.
  int drain_notifications() { return static_cast<int>(take_notifications().size()); }

  /// The address tried, safe to print: postgresql://user@host:port/dbname.
  const std::string& address() const { return address_; }
  bool is_broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }
  /// True when the connection is outside any transaction and the server has not closed it. A
  /// connection that has unread input while idle (a termination notice, or EOF after a server
  /// restart) counts as dead: the pool replaces it before a request trips over it.
  bool idle_and_alive() const;

 private:
  Connection(PGconn* conn, std::string address) : conn_(conn, &PQfinish), address_(std::move(address)) {}
  struct Prepared;
  const Prepared& prepared(const char* sql);
  Result check(PGresult* res);
  [[noreturn]] void throw_error(PGresult* res);

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string address_;
  /// Prepared statements by the address of their text, with the text itself: a buffer reused
  /// for other SQL (a temporary string) is prepared anew rather than run as the old statement.
  /// With the types of its parameters, which decide how each is sent (pg::Param::wire).
  struct Prepared {
    std::string name, sql;
    std::vector<Oid> param_types;
  };
  std::unordered_map<const char*, Prepared> prepared_;
  std::size_t prepared_count_ = 0;
  std::vector<Statement> deferred_;
  std::vector<bool> deferred_keep_;
  std::vector<Result> deferred_results_;
};

/// The printable address of a connection string, without its password.
std::string describe_address(const std::string& url);
/// The value of one keyword (user, dbname, host, port) in a PostgreSQL URL or key=value
/// string; empty when the string does not set it. Throws DomainError(kInvalidConfig) when it
/// does not parse.
std::string conninfo_value(const std::string& url, const char* keyword);
/// The database a connection string names (libpq's default, the user's name, when it names
/// none); empty when it cannot be parsed.
std::string database_name(const std::string& url);

}  // namespace wallet::pg
