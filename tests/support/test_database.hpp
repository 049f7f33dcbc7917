// A fresh, migrated database per test on the stack's PostgreSQL, dropped afterwards, so tests
// are independent and repeatable.
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/pg/connection.hpp"

namespace wallet::testing {

class TestDatabase {
 public:
  /// Creates a database owned by the owner role, migrated unless told otherwise; migrating also
  /// grants the application role its privileges, as `walletctl migrate` does.
  explicit TestDatabase(bool migrate = true);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  /// The application role's URL for this database.
  const std::string& url() const { return url_; }
  /// The owner role's URL for this database (what `walletctl migrate` runs as).
  const std::string& owner_url() const { return owner_url_; }
  const std::string& admin_url() const { return admin_url_; }
  /// A superuser connection to this database, for tampering on purpose.
  pg::Connection admin() const;
  /// A new connection as the owner role: it may alter the schema and disable triggers.
  pg::Connection owner() const;
  /// A new connection as the application role.
  pg::Connection connect() const;
  /// Settings pointing at this database (and the stack's Redis and RabbitMQ).
  Settings settings() const;

 private:
  std::string name_, url_, owner_url_, admin_url_;
};

/// The value of an environment variable that scripts/stack exports; fails the test when unset.
std::string required_env(const char* name);
/// Whether DATABASE_URL names the pg_auto_failover formation of `scripts/stack up --ha` (its
/// nodes, with target_session_attrs=read-write) rather than the single node.
bool on_formation();
/// url with its database name replaced.
std::string with_database(const std::string& url, const std::string& db);

}  // namespace wallet::testing
