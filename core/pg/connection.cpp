#include "core/pg/connection.hpp"

#include <utility>

#include <poll.h>

#include <charconv>
#include <stdexcept>

#include "core/errors.hpp"

namespace wallet::pg {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The parameters of one statement as libpq takes them, each in the format its declared type
// calls for. The pointers point into `wires`.
struct RawParams {
  std::vector<Param::Wire> wires;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;

  RawParams(const Params& params, const std::vector<Oid>& types) {
    wires.reserve(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) wires.push_back(params[i].wire(i < types.size() ? types[i] : 0));
    for (const auto& w : wires) {
      values.push_back(w.bytes ? w.bytes->data() : nullptr);
      lengths.push_back(w.bytes ? static_cast<int>(w.bytes->size()) : 0);
      formats.push_back(w.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

bool ok_status(ExecStatusType s) { return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK; }

}  // namespace

std::int64_t Result::int64(int row, int col) const {
  const auto t = text(row, col);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) {
    throw Error(ErrorKind::kOther, "", "not an integer in column " + std::to_string(col));
  }
  return v;
}

namespace {

struct Conninfo {
  std::string host = "localhost", port = "5432", db, user;
};

// Calls visit(keyword, value) for each keyword the string sets; false when it does not parse.
template <class Visit>
bool visit_conninfo(const std::string& url, Visit visit) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (err) PQfreemem(err);
  if (!opts) return false;
  for (auto* o = opts; o->keyword; ++o) {
    if (o->val) visit(std::string_view(o->keyword), o->val);
  }
  PQconninfoFree(opts);
  return true;
}

std::optional<Conninfo> parse_conninfo(const std::string& url) {
  Conninfo out;
  const bool parsed = visit_conninfo(url, [&](std::string_view k, const char* v) {
    if (k == "host" || (k == "hostaddr" && out.host == "localhost")) out.host = v;
    if (k == "port") out.port = v;
    if (k == "dbname") out.db = v;
    if (k == "user") out.user = v;
  });
  if (!parsed) return std::nullopt;
  return out;
}

}  // namespace

std::string describe_address(const std::string& url) {
  const auto c = parse_conninfo(url);
  if (!c) return "(unparsable database url)";
  return "postgresql://" + (c->user.empty() ? "" : c->user + "@") + c->host + ":" + c->port + "/" + c->db;
}

std::string conninfo_value(const std::string& url, const char* keyword) {
  std::string value;
  const bool parsed = visit_conninfo(url, [&](std::string_view k, const char* v) {
    if (k == keyword) value = v;
  });
  if (!parsed) throw DomainError(ErrorCode::kInvalidConfig, "not a PostgreSQL URL");
  return value;
}

std::string database_name(const std::string& url) {
  const auto c = parse_conninfo(url);
  if (!c) return "";
  return c->db.empty() ? c->user : c->db;  // libpq's default database is the user's name
}

bool Connection::idle_and_alive() const {
  PGconn* c = conn_.get();
  if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) != PQTRANS_IDLE) return false;
  pollfd fd{PQsocket(c), POLLIN, 0};
  return poll(&fd, 1, 0) == 0;
}

std::vector<std::string> Connection::take_notifications() {
  PGconn* c = conn_.get();
  if (PQconsumeInput(c) == 0 || PQstatus(c) != CONNECTION_OK) {
    throw Error(ErrorKind::kConnection, "", PQerrorMessage(c));
  }
  std::vector<std::string> payloads;
  while (PGnotify* note = PQnotifies(c)) {
    payloads.emplace_back(note->extra);
    PQfreemem(note);
  }
  return payloads;
}

Connection Connection::open(const std::string& url, int connect_timeout_seconds) {
  const std::string timeout = std::to_string(connect_timeout_seconds);
  // A server whose machine is lost sends no reset: without TCP keepalives an idle connection
  // (a LISTEN, a pooled one) would wait hours to learn it, and the process would not move to the
  // new primary. Probes after 5 idle seconds, 3 unanswered 2 s apart, and 15 s for sent data to
  // be acknowledged end it within about 15 s. They come before the URL, which may override them.
  // The session speaks UTC in ISO format so timestamps convert to RFC 3339 without parsing zones.
  const char* keys[] = {"keepalives",       "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "dbname",          "connect_timeout",     "options",
                        "application_name", nullptr};
  const char* values[] = {"1",
                          "5",
                          "2",
                          "3",
                          "15000",
                          url.c_str(),
                          timeout.c_str(),
                          "-c TimeZone=UTC -c DateStyle=ISO -c client_min_messages=warning",
                          "walletctl",
                          nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, 1);
  Connection conn(raw, describe_address(url));
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    std::string reason = raw ? PQerrorMessage(raw) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    // libpq's message can quote the connection string; keep only its first line.
    reason = reason.substr(0, reason.find('\n'));
    throw DomainError(ErrorCode::kUnavailable, "cannot connect to PostgreSQL at " + conn.address_ + ": " + reason);
  }
  return conn;
}

void Connection::throw_error(PGresult* res) {
  ResultPtr owned(res, &PQclear);
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string message = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_.get());
  // A dead connection is "unavailable" whatever the last statement's SQLSTATE said.
  const ErrorKind kind = PQstatus(conn_.get()) != CONNECTION_OK ? ErrorKind::kConnection : classify_sqlstate(sqlstate);
  throw Error(kind, sqlstate, message);
}

Result Connection::check(PGresult* res) {
  if (!res || !ok_status(PQresultStatus(res))) throw_error(res);
  return Result(res);
}

const Connection::Prepared& Connection::prepared(const char* sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end() && it->second.sql == sql) return it->second;
  std::string name = "s" + std::to_string(prepared_count_++);
  check(PQprepare(conn_.get(), name.c_str(), sql, 0, nullptr));
  const Result described = check(PQdescribePrepared(conn_.get(), name.c_str()));
  std::vector<Oid> types;
  for (int i = 0; i < described.params(); ++i) types.push_back(described.param_type(i));
  auto& entry = prepared_[sql];
  entry = {std::move(name), sql, std::move(types)};
  return entry;
}

Result Connection::exec(const char* sql, const Params& params) {
  if (!deferred_.empty()) return std::move(pipeline({{sql, params}}).back());
  const auto& statement = prepared(sql);
  const RawParams raw(params, statement.param_types);
  return check(PQexecPrepared(conn_.get(), statement.name.c_str(), raw.count(), raw.values.data(), raw.lengths.data(),
                              raw.formats.data(), 0));
}

void Connection::exec_script(const std::string& sql) {
  if (!deferred_.empty()) pipeline({});
  PGresult* res = PQexec(conn_.get(), sql.c_str());
  check(res);
  // PQexec returns only the last statement's result; an earlier failure aborts the whole string.
}

void Connection::defer(Statement statement, bool keep) {
  deferred_.push_back(std::move(statement));
  deferred_keep_.push_back(keep);
}

std::vector<Result> Connection::take_deferred() { return std::exchange(deferred_results_, {}); }

void Connection::discard_deferred() {
  deferred_.clear();
  deferred_keep_.clear();
  deferred_results_.clear();
}

std::vector<Result> Connection::pipeline(const std::vector<Statement>& requested,
                                         const std::function<void()>& meanwhile) {
  if (!deferred_.empty()) {
    // The queued statements go first, in the same round trip; their results are split off.
    auto statements = std::exchange(deferred_, {});
    const auto keep = std::exchange(deferred_keep_, {});
    const auto queued = statements.size();
    statements.insert(statements.end(), requested.begin(), requested.end());
    auto results = pipeline(statements, meanwhile);
    for (std::size_t i = 0; i < queued; ++i) {
      if (keep[i]) deferred_results_.push_back(std::move(results[i]));
    }
    results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(queued));
    return results;
  }
  const auto& statements = requested;
  if (statements.empty()) {
    if (meanwhile) meanwhile();
    return {};
  }
  std::vector<const Prepared*> prepared_statements;
  prepared_statements.reserve(statements.size());
  for (const auto& s : statements) prepared_statements.push_back(&prepared(s.sql));

  if (PQenterPipelineMode(conn_.get()) != 1) throw_error(nullptr);
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto& statement = *prepared_statements[i];
    const RawParams raw(statements[i].params, statement.param_types);
    if (PQsendQueryPrepared(conn_.get(), statement.name.c_str(), raw.count(), raw.values.data(), raw.lengths.data(),
                            raw.formats.data(), 0) != 1) {
      PQexitPipelineMode(conn_.get());
      throw_error(nullptr);
    }
  }
  if (PQpipelineSync(conn_.get()) != 1) throw_error(nullptr);
  std::exception_ptr meanwhile_failed;
  if (meanwhile) {
    try {
      meanwhile();
    } catch (...) {
      meanwhile_failed = std::current_exception();  // rethrown once the pipeline is drained
    }
  }

  std::vector<Result> results;
  results.reserve(statements.size());
  PGresult* first_error = nullptr;
  // Each statement yields its result then a null; the sync point yields PGRES_PIPELINE_SYNC.
  for (std::size_t i = 0; i < statements.size(); ++i) {
    PGresult* res = PQgetResult(conn_.get());
    if (!res) break;  // connection lost
    while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
    const auto status = PQresultStatus(res);
    if (ok_status(status)) {
      results.emplace_back(res);
    } else if (status == PGRES_FATAL_ERROR && !first_error) {
      first_error = res;
    } else {
      PQclear(res);
    }
  }
  bool synced = false;
  while (PGresult* res = PQgetResult(conn_.get())) {
    synced = synced || PQresultStatus(res) == PGRES_PIPELINE_SYNC;
    PQclear(res);
    if (synced) break;
  }
  PQexitPipelineMode(conn_.get());
  if (meanwhile_failed) {
    if (first_error) PQclear(first_error);
    std::rethrow_exception(meanwhile_failed);
  }
  if (first_error) throw_error(first_error);
  if (results.size() != statements.size()) throw_error(nullptr);
  return results;
}

}  // namespace wallet::pg
