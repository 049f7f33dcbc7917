#include "cli/context.hpp"

#include "core/errors.hpp"

namespace wallet::cli {

const LoadedSettings& Context::loaded_settings() {
  if (!settings_) {
    ConfigInputs inputs;
    inputs.config_flag = options_.config_file;
    inputs.environment = process_environment();
    for (const auto& s : options_.settings_overrides) {
      const auto eq = s.find('=');
      if (eq == std::string::npos) {
        throw DomainError(ErrorCode::kInvalidConfig, "flag --set: expected section.key=value, got '" + s + "'");
      }
      inputs.flags.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }
    settings_ = load_settings(inputs);
  }
  return *settings_;
}

pg::Connection& Context::db() {
  if (!db_) {
    const auto& s = settings();
    db_.emplace(pg::Connection::open(s.database.url, static_cast<int>(s.database.connect_timeout)));
  }
  return *db_;
}

pg::Connection& Context::owner_db() {
  const auto& s = settings();
  if (s.database.owner_url.empty()) return db();
  if (!owner_db_) {
    owner_db_.emplace(pg::Connection::open(s.database.owner_url, static_cast<int>(s.database.connect_timeout)));
  }
  return *owner_db_;
}

BalanceCache* Context::cache() {
  if (!cache_) cache_ = balance_cache_from_settings(settings());
  return cache_->get();
}

}  // namespace wallet::cli
