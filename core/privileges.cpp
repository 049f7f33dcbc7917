#include "core/privileges.hpp"

#include <map>

#include "core/errors.hpp"

namespace wallet {
namespace {

// Every table and what the application role may do with it. Ledger entries and transactions
// are history: insert and read only. Anything missing here is refused by PostgreSQL.
const std::map<std::string, std::string>& table_privileges() {
  static const std::map<std::string, std::string> kPrivileges = {
      {"wallets", "SELECT, INSERT, UPDATE"},           // balances move; SELECT FOR UPDATE locks
      {"transactions", "SELECT, INSERT"},              //
      {"ledger_entries", "SELECT, INSERT"},            //
      {"holds", "SELECT, INSERT"},                     // expire by time, never deleted
      {"withdrawals", "SELECT, INSERT, UPDATE"},       // status moves; workers lock rows
      {"pending_transfers", "SELECT, INSERT, UPDATE"}, // captured, voided or expired once
      {"idempotency_keys", "SELECT, INSERT, DELETE"},  // a key whose effect failed is released
      {"outbox", "SELECT, INSERT, UPDATE, DELETE"},    // marked published, pruned
      {"outbox_pruning", "SELECT, INSERT, UPDATE"},    //
      {"notifications_seen", "SELECT, INSERT, DELETE"},
      {"api_keys", "SELECT, INSERT, UPDATE"},  // revoke sets revoked_at
      {"ledger_secrets", "SELECT"},            // made by migrations only
      {"schema_migrations", "SELECT"},         // serve checks the schema is current
  };
  return kPrivileges;
}

}  // namespace

void require_same_database(const std::string& owner_url, const std::string& app_url) {
  for (const char* keyword : {"host", "port", "dbname"}) {
    const auto owner = pg::conninfo_value(owner_url, keyword), app = pg::conninfo_value(app_url, keyword);
    if (owner != app) {
      throw DomainError(ErrorCode::kInvalidConfig, std::string("database.owner_url and database.url name different ") +
                                                       keyword + "s ('" + owner + "' and '" + app +
                                                       "'): both must reach the same database");
    }
  }
}

void grant_application_role(pg::Connection& owner, const std::string& role) {
  static constexpr const char* kTables =
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";
  static constexpr const char* kQuote = "SELECT quote_ident($1), quote_ident(current_schema())";
  const auto tables = owner.exec(kTables);
  for (int i = 0; i < tables.rows(); ++i) {
    if (!table_privileges().count(tables.str(i, 0))) {
      throw DomainError(ErrorCode::kInvalidConfig, "table " + tables.str(i, 0) +
                                                       " has no entry in core/privileges.cpp: say what the "
                                                       "application role may do with it");
    }
  }
  const auto quoted = owner.exec(kQuote, {role});
  const std::string who = quoted.str(0, 0), schema = quoted.str(0, 1);
  std::string script = "BEGIN;\nREVOKE ALL ON ALL TABLES IN SCHEMA " + schema + " FROM " + who + ";\n";
  script += "REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + schema + " FROM " + who + ";\n";
  script += "GRANT USAGE ON SCHEMA " + schema + " TO " + who + ";\n";
  script += "GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + who + ";\n";
  for (int i = 0; i < tables.rows(); ++i) {
    script += "GRANT " + table_privileges().at(tables.str(i, 0)) + " ON " + tables.str(i, 0) + " TO " + who + ";\n";
  }
  script += "COMMIT;";
  try {
    owner.exec_script(script);
  } catch (...) {
    static constexpr const char* kRollback = "ROLLBACK";
    if (!owner.is_broken()) owner.exec(kRollback);
    throw;
  }
}

std::string current_role(pg::Connection& conn) {
  static constexpr const char* kCurrentUser = "SELECT current_user";
  return conn.exec(kCurrentUser).str(0, 0);
}

}  // namespace wallet
