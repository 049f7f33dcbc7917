#include "core/migrations.hpp"

#include <algorithm>
#include <charconv>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/signals.hpp"
#include "core/timestamp.hpp"

namespace wallet {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr const char* kSelectApplied =
    "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version";
constexpr const char* kTableExists = "SELECT to_regclass('schema_migrations') IS NOT NULL";
constexpr const char* kRecord = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";
constexpr const char* kBegin = "BEGIN";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";

int version_of(const std::string& file_name) {
  int v = 0;
  auto [end, ec] = std::from_chars(file_name.data(), file_name.data() + std::min<std::size_t>(4, file_name.size()), v);
  if (ec != std::errc() || end != file_name.data() + 4) {
    throw DomainError(ErrorCode::kInternal, "migration file name must start with four digits: " + file_name);
  }
  return v;
}

// Serialises migrate runs across processes for the life of one Migrator call.
class AdvisoryLock {
 public:
  explicit AdvisoryLock(pg::Connection& conn) : conn_(conn) { signals::lock(conn_, signals::Lock::kMigrations); }
  ~AdvisoryLock() {
    try {
      signals::unlock(conn_, signals::Lock::kMigrations);
    } catch (const pg::Error&) {
      // A broken connection releases its session locks anyway.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  pg::Connection& conn_;
};

}  // namespace

Migrator::Migrator(pg::Connection& conn, std::vector<EmbeddedMigration> files) : conn_(conn), files_(std::move(files)) {
  std::sort(files_.begin(), files_.end(), [](const auto& a, const auto& b) { return a.file_name < b.file_name; });
}

std::vector<Migrator::Applied> Migrator::read_applied() {
  std::vector<Applied> applied;
  if (!conn_.exec(kTableExists).boolean(0, 0)) return applied;
  auto res = conn_.exec(kSelectApplied);
  for (int r = 0; r < res.rows(); ++r) {
    applied.push_back(
        {static_cast<int>(res.int64(r, 0)), res.str(r, 1), res.str(r, 2), pg_timestamp_to_rfc3339(res.text(r, 3))});
  }
  return applied;
}

void Migrator::verify(const std::vector<Applied>& applied) const {
  for (const auto& a : applied) {
    auto it =
        std::find_if(files_.begin(), files_.end(), [&](const auto& f) { return version_of(f.file_name) == a.version; });
    if (it == files_.end()) {
      throw DomainError(ErrorCode::kMigrationChanged, "the database has migration " + a.name +
                                                          " which this walletctl does not know: upgrade walletctl");
    }
    if (sha256_hex(it->sql) != a.checksum) {
      throw DomainError(ErrorCode::kMigrationChanged,
                        "migration " + it->file_name +
                            " was changed after it was applied; restore the original file and add "
                            "a new migration instead");
    }
  }
}

std::vector<std::string> Migrator::up() {
  AdvisoryLock lock(conn_);
  conn_.exec(kCreateTable);
  const auto applied = read_applied();
  verify(applied);
  std::vector<std::string> done;
  for (const auto& f : files_) {
    const int version = version_of(f.file_name);
    if (std::any_of(applied.begin(), applied.end(), [&](const auto& a) { return a.version == version; })) {
      continue;
    }
    conn_.exec(kBegin);
    try {
      conn_.exec_script(f.sql);
      conn_.exec(kRecord, {std::to_string(version), f.file_name, sha256_hex(f.sql)});
      conn_.exec(kCommit);
    } catch (...) {
      if (!conn_.is_broken()) conn_.exec(kRollback);
      throw;
    }
    done.push_back(f.file_name);
  }
  return done;
}

std::vector<MigrationStatus> Migrator::status() {
  const auto applied = read_applied();
  verify(applied);
  std::vector<MigrationStatus> out;
  for (const auto& f : files_) {
    const int version = version_of(f.file_name);
    auto it = std::find_if(applied.begin(), applied.end(), [&](const auto& a) { return a.version == version; });
    out.push_back({version, f.file_name, it != applied.end(), it != applied.end() ? it->applied_at : ""});
  }
  return out;
}

}  // namespace wallet
