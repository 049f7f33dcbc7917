#include "tests/support/test_database.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "core/ids.hpp"
#include "core/migrations.hpp"
#include "core/privileges.hpp"

namespace wallet::testing {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    throw std::runtime_error(std::string(name) +
                             " is not set: run the tests through scripts/test "
                             "or `eval \"$(scripts/stack env)\"` first");
  }
  return v;
}

bool on_formation() { return required_env("DATABASE_URL").find("target_session_attrs=read-write") != std::string::npos; }

std::string with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const auto query = url.find('?');
  std::string out = url.substr(0, slash == std::string::npos ? url.size() : slash) + "/" + db;
  if (query != std::string::npos) out += url.substr(query);
  return out;
}

namespace {

// With the formation (scripts/stack up --ha) the URL names the standby too, and libpq does not
// try the next host after a FATAL at start-up such as "database does not exist": until the
// standby has replayed CREATE DATABASE (synchronous commit waits for its flush, not its replay),
// a connection tried there first fails. Polled for a few seconds, as a client would retry.
pg::Connection open_once_replayed(const std::string& url) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    try {
      return pg::Connection::open(url, 10);
    } catch (const std::exception& e) {
      if (std::string(e.what()).find("does not exist") == std::string::npos ||
          std::chrono::steady_clock::now() > deadline) {
        throw;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the pace of the retries
  }
}

}  // namespace

TestDatabase::TestDatabase(bool migrate) {
  std::string suffix = new_uuid().substr(24);
  name_ = "wt_" + suffix;
  const std::string app_root = required_env("DATABASE_URL");
  const std::string owner_root = required_env("DATABASE_OWNER_URL");
  const std::string admin_root = required_env("DATABASE_ADMIN_URL");
  {
    static constexpr const char* kCurrentUser = "SELECT current_user";
    const std::string owner = pg::Connection::open(owner_root, 10).exec(kCurrentUser).str(0, 0);
    auto admin = pg::Connection::open(admin_root, 10);
    // CREATE DATABASE takes no parameters; the name is ours (hex digits), never user input.
    admin.exec_script("CREATE DATABASE " + name_ + " OWNER \"" + owner + "\"");
  }
  url_ = with_database(app_root, name_);
  owner_url_ = with_database(owner_root, name_);
  admin_url_ = with_database(admin_root, name_);
  auto conn = open_once_replayed(owner_url_);
  if (migrate) {
    Migrator(conn, embedded_migrations()).up();
    grant_application_role(conn, pg::conninfo_value(url_, "user"));
  }
}

TestDatabase::~TestDatabase() {
  try {
    auto admin = pg::Connection::open(required_env("DATABASE_ADMIN_URL"), 10);
    admin.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop test database " << name_ << ": " << e.what();
  }
}

pg::Connection TestDatabase::admin() const { return pg::Connection::open(admin_url_, 10); }
pg::Connection TestDatabase::owner() const { return pg::Connection::open(owner_url_, 10); }
pg::Connection TestDatabase::connect() const { return pg::Connection::open(url_, 10); }

Settings TestDatabase::settings() const {
  Settings s;
  s.database.url = url_;
  s.database.owner_url = owner_url_;
  s.redis.addr = required_env("REDIS_ADDR");
  s.rabbitmq.url = required_env("RABBITMQ_URL");
  return s;
}

}  // namespace wallet::testing
