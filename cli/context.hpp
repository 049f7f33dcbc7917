// What every command shares: the global options, the settings (loaded on first use), the
// database connection (opened on first use) and the balance cache that writes keep current.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/balance_cache.hpp"
#include "core/config.hpp"
#include "core/pg/connection.hpp"

namespace wallet::cli {

struct GlobalOptions {
  std::optional<std::string> config_file;
  std::string output = "text";
  std::vector<std::string> settings_overrides;  // --set section.key=value
};

class Context {
 public:
  explicit Context(const GlobalOptions& options) : options_(options) {}

  const LoadedSettings& loaded_settings();
  const Settings& settings() { return loaded_settings().settings; }
  pg::Connection& db();
  /// The connection migrations run on: database.owner_url when set, else db().
  pg::Connection& owner_db();
  /// The balance cache writes must tell, none when Redis is disabled.
  BalanceCache* cache();
  bool json() const { return options_.output == "json"; }

 private:
  const GlobalOptions& options_;
  std::optional<LoadedSettings> settings_;
  std::optional<pg::Connection> db_, owner_db_;
  std::optional<std::unique_ptr<BalanceCache>> cache_;
};

/// The command a parse selected, run after parsing; returns the exit code.
using Action = std::function<int()>;

}  // namespace wallet::cli
