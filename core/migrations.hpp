// Applies numbered SQL migrations in order, each in its own transaction, recording version,
// name and checksum; serialised across processes by an advisory lock.
#pragma once

#include <string>
#include <vector>

#include "core/migration_files.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

struct MigrationStatus {
  int version;
  std::string name;
  bool applied;
  std::string applied_at;  // RFC 3339, empty when pending
};

class Migrator {
 public:
  Migrator(pg::Connection& conn, std::vector<EmbeddedMigration> files);

  /// Applies every pending migration; returns the names applied. Throws
  /// DomainError(kMigrationChanged) when an applied file's content differs from the record.
  std::vector<std::string> up();
  std::vector<MigrationStatus> status();

 private:
  struct Applied {
    int version;
    std::string name, checksum, applied_at;
  };
  std::vector<Applied> read_applied();
  void verify(const std::vector<Applied>& applied) const;

  pg::Connection& conn_;
  std::vector<EmbeddedMigration> files_;
};

}  // namespace wallet
