// The migrations/*.sql files compiled into the binary (generated at build time).
#pragma once

#include <string>
#include <vector>

namespace wallet {

struct EmbeddedMigration {
  std::string file_name;  // "0001_init.sql"
  std::string sql;
};

const std::vector<EmbeddedMigration>& embedded_migrations();

}  // namespace wallet
