#include "core/config.hpp"

#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>
#include <regex>

#include "core/currency.hpp"
#include "core/errors.hpp"
#include "core/pg/connection.hpp"

extern char** environ;

namespace wallet {
namespace {

enum class Type { kString, kInt, kBool };

// One row of the settings table: where the value lives, its type and bounds, how to validate.
struct Field {
  std::string section, key;
  Type type = Type::kString;
  std::int64_t min = 0, max = 0;     // kInt bounds
  const char* legacy_env = nullptr;  // DATABASE_URL and friends
  bool secret = false;               // masked in `config show`
  std::function<void(Settings&, const std::string&)> set_string;
  std::function<void(Settings&, std::int64_t)> set_int;
  std::function<void(Settings&, bool)> set_bool;
  std::function<std::string(const Settings&)> show;
  std::string hint;  // accepted values, for error messages

  std::string name() const { return section + "." + key; }
  std::string env_name() const {
    std::string n = "WALLET_" + section + "_" + key;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return n;
  }
};

[[noreturn]] void bad(const std::string& source, const std::string& message) {
  throw DomainError(ErrorCode::kInvalidConfig, source + ": " + message);
}

void check_database_url(const std::string& v) {
  bool parses = !v.empty();  // an empty string would mean libpq's defaults, not a choice
  try {
    if (parses) pg::conninfo_value(v, "host");  // reading any keyword parses the whole string
  } catch (const DomainError&) {
    parses = false;
  }
  if (!parses) throw DomainError(ErrorCode::kInvalidConfig, "a PostgreSQL URL such as postgresql://user:pass@host:5432/db");
}

bool valid_host_port(const std::string& v, int min_port) {
  const auto colon = v.rfind(':');
  int port = 0;
  return colon != std::string::npos && colon > 0 && colon + 1 < v.size() &&
         std::from_chars(v.data() + colon + 1, v.data() + v.size(), port).ptr == v.data() + v.size() &&
         port >= min_port && port <= 65535;
}

void check_host_port(const std::string& v) {
  if (!valid_host_port(v, 1)) throw DomainError(ErrorCode::kInvalidConfig, "host:port such as 127.0.0.1:6379");
}

void check_listen(const std::string& v) {
  if (!valid_host_port(v, 0)) throw DomainError(ErrorCode::kInvalidConfig, "host:port such as 127.0.0.1:8080 (port 0: any free port)");
}

void check_optional_listen(const std::string& v) {
  if (!v.empty() && !valid_host_port(v, 0)) {
    throw DomainError(ErrorCode::kInvalidConfig, "empty (off) or host:port such as 127.0.0.1:9101");
  }
}

void check_gateway(const std::string& v) {
  if (v != "simulated" && v != "http") throw DomainError(ErrorCode::kInvalidConfig, "simulated or http");
}

void check_http_url(const std::string& v) {
  const bool scheme = v.starts_with("http://") || v.starts_with("https://");
  const auto host_start = v.find("://") + 3;
  if (!scheme || host_start >= v.size() || v[host_start] == '/') {
    throw DomainError(ErrorCode::kInvalidConfig, "an http:// or https:// URL such as http://127.0.0.1:9090/payouts");
  }
}

void check_any(const std::string&) {}

void check_optional_database_url(const std::string& v) {
  if (!v.empty()) check_database_url(v);
}

void check_key_prefix(const std::string& v) {
  const bool printable = std::all_of(v.begin(), v.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
  if (v.size() > 64 || !printable) throw DomainError(ErrorCode::kInvalidConfig, "up to 64 printable characters without spaces");
}

void check_optional_http_url(const std::string& v) {
  if (!v.empty()) check_http_url(v);
}

void check_log_format(const std::string& v) {
  if (v != "text" && v != "json") throw DomainError(ErrorCode::kInvalidConfig, "text or json");
}

void check_amqp_url(const std::string& v) {
  // amqps:// was accepted and then spoken as plain AMQP: refused until TLS to RabbitMQ is built.
  if (v.starts_with("amqps://")) {
    throw DomainError(ErrorCode::kInvalidConfig, 
        "amqp:// (amqps:// is not supported: walletctl does not speak TLS to RabbitMQ yet; use a trusted "
        "network or a TLS tunnel)");
  }
  if (!v.starts_with("amqp://")) throw DomainError(ErrorCode::kInvalidConfig, "an AMQP URL such as amqp://user:pass@host:5672/");
}

// AMQP names travel as short strings; these characters are what RabbitMQ's tools accept.
bool valid_amqp_name(const std::string& v) {
  return !v.empty() && v.size() <= 255 && !v.starts_with("amq.") && std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
  });
}

void check_amqp_name(const std::string& v) {
  if (!valid_amqp_name(v)) throw DomainError(ErrorCode::kInvalidConfig, "1-255 of A-Z a-z 0-9 - _ . :, not starting with amq.");
}

void check_optional_amqp_name(const std::string& v) {
  if (!v.empty() && !valid_amqp_name(v)) {
    throw DomainError(ErrorCode::kInvalidConfig, "empty, or 1-255 of A-Z a-z 0-9 - _ . :, not starting with amq.");
  }
}

// A queue name that leaves room for the ".dlq" and ".dlx" of its dead letters.
void check_notify_queue(const std::string& v) {
  if (!valid_amqp_name(v) || v.size() > 251) {
    throw DomainError(ErrorCode::kInvalidConfig, "1-251 of A-Z a-z 0-9 - _ . :, not starting with amq.");
  }
}

void check_level(const std::string& v) {
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), v) == kLevels.end()) {
    throw DomainError(ErrorCode::kInvalidConfig, "one of trace, debug, info, warn, error, off");
  }
}

// Builders of the table's rows: each binds a field to its member of Settings.
Field make_field(const char* section, const char* key, Type type) {
  Field f;
  f.section = section;
  f.key = key;
  f.type = type;
  return f;
}

template <class Section>
Field string_field(const char* section, const char* key, Section Settings::*part, std::string Section::*member,
                   void (*check)(const std::string&), const char* legacy_env, bool secret, std::string hint) {
  Field f = make_field(section, key, Type::kString);
  f.legacy_env = legacy_env;
  f.secret = secret;
  f.hint = std::move(hint);
  f.set_string = [=](Settings& s, const std::string& v) {
    check(v);
    (s.*part).*member = v;
  };
  f.show = [=](const Settings& s) { return (s.*part).*member; };
  return f;
}

template <class Section>
Field int_field(const char* section, const char* key, Section Settings::*part, std::int64_t Section::*member,
                std::int64_t min, std::int64_t max) {
  Field f = make_field(section, key, Type::kInt);
  f.min = min;
  f.max = max;
  f.hint = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  f.set_int = [=](Settings& s, std::int64_t v) { (s.*part).*member = v; };
  f.show = [=](const Settings& s) { return std::to_string((s.*part).*member); };
  return f;
}

template <class Section>
Field bool_field(const char* section, const char* key, Section Settings::*part, bool Section::*member) {
  Field f = make_field(section, key, Type::kBool);
  f.hint = "true or false";
  f.set_bool = [=](Settings& s, bool v) { (s.*part).*member = v; };
  f.show = [=](const Settings& s) { return std::string((s.*part).*member ? "true" : "false"); };
  return f;
}

void check_currency(const std::string& v) {
  try {
    parse_currency(v);
  } catch (const DomainError&) {
    throw DomainError(ErrorCode::kInvalidConfig, "an ISO 4217 code such as USD");
  }
}

const std::vector<Field>& fields() {
  using S = Settings;
  static const std::vector<Field> kFields = {
      string_field("database", "url", &S::database, &S::Database::url, check_database_url, "DATABASE_URL", true,
                   "a PostgreSQL URL"),
      string_field("database", "owner_url", &S::database, &S::Database::owner_url, check_optional_database_url,
                   "DATABASE_OWNER_URL", true, "a PostgreSQL URL, or empty"),
      int_field("database", "connect_timeout", &S::database, &S::Database::connect_timeout, 1, 300),
      int_field("database", "max_retries", &S::database, &S::Database::max_retries, 1, 100),
      int_field("database", "pool_size", &S::database, &S::Database::pool_size, 1, 1000),
      int_field("database", "pool_timeout_ms", &S::database, &S::Database::pool_timeout_ms, 1, 60'000),
      string_field("database", "read_url", &S::database, &S::Database::read_url, check_optional_database_url,
                   "DATABASE_READ_URL", true, "a PostgreSQL URL, or empty"),
      int_field("database", "max_read_lag_ms", &S::database, &S::Database::max_read_lag_ms, 10, 600'000),
      string_field("http", "listen", &S::http, &S::Http::listen, check_listen, nullptr, false, "host:port"),
      int_field("http", "threads", &S::http, &S::Http::threads, 1, 1024),
      int_field("http", "read_timeout", &S::http, &S::Http::read_timeout, 1, 3600),
      int_field("http", "write_timeout", &S::http, &S::Http::write_timeout, 1, 3600),
      int_field("http", "keep_alive_timeout", &S::http, &S::Http::keep_alive_timeout, 1, 3600),
      int_field("http", "request_timeout", &S::http, &S::Http::request_timeout, 1, 3600),
      int_field("http", "keep_alive_max_requests", &S::http, &S::Http::keep_alive_max_requests, 1, 1'000'000),
      int_field("http", "max_body_bytes", &S::http, &S::Http::max_body_bytes, 64, 64 * 1024 * 1024),
      int_field("http", "max_batch_operations", &S::http, &S::Http::max_batch_operations, 1, 100'000),
      int_field("http", "max_batch_body_bytes", &S::http, &S::Http::max_batch_body_bytes, 1024, 256 * 1024 * 1024),
      int_field("http", "max_headers", &S::http, &S::Http::max_headers, 8, 1000),
      int_field("http", "max_header_bytes", &S::http, &S::Http::max_header_bytes, 1024, 1024 * 1024),
      int_field("http", "shutdown_timeout", &S::http, &S::Http::shutdown_timeout, 1, 3600),
      string_field("http", "tls_cert", &S::http, &S::Http::tls_cert, check_any, nullptr, false, "a PEM file path"),
      string_field("http", "tls_key", &S::http, &S::Http::tls_key, check_any, nullptr, false, "a PEM file path"),
      string_field("ledger", "default_currency", &S::ledger, &S::Ledger::default_currency, check_currency, nullptr,
                   false, "an ISO 4217 code"),
      int_field("ledger", "max_amount", &S::ledger, &S::Ledger::max_amount, 1, 4'000'000'000'000'000'000),
      int_field("ledger", "batch_size", &S::ledger, &S::Ledger::batch_size, 1, 10'000),
      int_field("ledger", "pending_timeout_seconds", &S::ledger, &S::Ledger::pending_timeout_seconds, 1,
                366LL * 24 * 3600),
      int_field("ledger", "pending_sweep_interval_ms", &S::ledger, &S::Ledger::pending_sweep_interval_ms, 10,
                3'600'000),
      int_field("group_commit", "writers", &S::group_commit, &S::GroupCommit::writers, 1, 64),
      int_field("group_commit", "max_batch", &S::group_commit, &S::GroupCommit::max_batch, 1, 10'000),
      int_field("group_commit", "linger_us", &S::group_commit, &S::GroupCommit::linger_us, 0, 1'000),
      bool_field("withdrawals", "enabled", &S::withdrawals, &S::Withdrawals::enabled),
      int_field("withdrawals", "workers", &S::withdrawals, &S::Withdrawals::workers, 1, 1000),
      string_field("withdrawals", "gateway", &S::withdrawals, &S::Withdrawals::gateway, check_gateway, nullptr, false,
                   "simulated or http"),
      string_field("withdrawals", "bank_url", &S::withdrawals, &S::Withdrawals::bank_url, check_http_url, nullptr, true,
                   "an http(s) URL"),
      string_field("withdrawals", "bank_ca_file", &S::withdrawals, &S::Withdrawals::bank_ca_file, check_any, nullptr,
                   false, "a file path"),
      int_field("withdrawals", "bank_timeout_ms", &S::withdrawals, &S::Withdrawals::bank_timeout_ms, 10, 600'000),
      int_field("withdrawals", "simulated_latency_ms", &S::withdrawals, &S::Withdrawals::simulated_latency_ms, 0,
                600'000),
      int_field("withdrawals", "simulated_failure_percent", &S::withdrawals, &S::Withdrawals::simulated_failure_percent,
                0, 100),
      int_field("withdrawals", "max_attempts", &S::withdrawals, &S::Withdrawals::max_attempts, 1, 1000),
      int_field("withdrawals", "backoff_initial_ms", &S::withdrawals, &S::Withdrawals::backoff_initial_ms, 1,
                86'400'000),
      int_field("withdrawals", "backoff_max_ms", &S::withdrawals, &S::Withdrawals::backoff_max_ms, 1, 86'400'000),
      int_field("withdrawals", "lease_seconds", &S::withdrawals, &S::Withdrawals::lease_seconds, 1, 86'400),
      int_field("withdrawals", "review_retry_seconds", &S::withdrawals, &S::Withdrawals::review_retry_seconds, 1,
                86'400),
      string_field("withdrawals", "metrics_listen", &S::withdrawals, &S::Withdrawals::metrics_listen,
                   check_optional_listen, nullptr, false, "host:port or empty"),
      bool_field("redis", "enabled", &S::redis, &S::Redis::enabled),
      string_field("redis", "addr", &S::redis, &S::Redis::addr, check_host_port, "REDIS_ADDR", false, "host:port"),
      int_field("redis", "timeout_ms", &S::redis, &S::Redis::timeout_ms, 1, 10'000),
      int_field("redis", "catch_up_timeout_ms", &S::redis, &S::Redis::catch_up_timeout_ms, 1, 60'000),
      int_field("redis", "ttl_seconds", &S::redis, &S::Redis::ttl_seconds, 10, 86'400),
      int_field("redis", "breaker_failures", &S::redis, &S::Redis::breaker_failures, 1, 1000),
      int_field("redis", "breaker_cooldown_ms", &S::redis, &S::Redis::breaker_cooldown_ms, 10, 600'000),
      string_field("redis", "key_prefix", &S::redis, &S::Redis::key_prefix, check_key_prefix, nullptr, false,
                   "up to 64 printable characters without spaces"),
      bool_field("auth", "enabled", &S::auth, &S::Auth::enabled),
      bool_field("auth", "public_metrics", &S::auth, &S::Auth::public_metrics),
      bool_field("auth", "public_openapi", &S::auth, &S::Auth::public_openapi),
      int_field("auth", "key_cache_ms", &S::auth, &S::Auth::key_cache_ms, 0, 60'000),
      int_field("auth", "rate_per_second", &S::auth, &S::Auth::rate_per_second, 1, 1'000'000),
      int_field("auth", "rate_burst", &S::auth, &S::Auth::rate_burst, 1, 1'000'000),
      int_field("auth", "failures_per_second", &S::auth, &S::Auth::failures_per_second, 1, 1'000'000),
      int_field("auth", "failure_burst", &S::auth, &S::Auth::failure_burst, 1, 1'000'000),
      bool_field("rabbitmq", "enabled", &S::rabbitmq, &S::Rabbitmq::enabled),
      string_field("rabbitmq", "url", &S::rabbitmq, &S::Rabbitmq::url, check_amqp_url, "RABBITMQ_URL", true,
                   "an AMQP URL"),
      int_field("rabbitmq", "publish_batch", &S::rabbitmq, &S::Rabbitmq::publish_batch, 1, 10'000),
      int_field("rabbitmq", "heartbeat_seconds", &S::rabbitmq, &S::Rabbitmq::heartbeat_seconds, 0, 600),
      int_field("rabbitmq", "outbox_retention_hours", &S::rabbitmq, &S::Rabbitmq::outbox_retention_hours, 1, 87'600),
      string_field("rabbitmq", "exchange", &S::rabbitmq, &S::Rabbitmq::exchange, check_amqp_name, nullptr, false,
                   "an exchange name"),
      string_field("rabbitmq", "events_queue", &S::rabbitmq, &S::Rabbitmq::events_queue, check_optional_amqp_name,
                   nullptr, false, "a queue name or empty"),
      string_field("notify", "webhook_url", &S::notify, &S::Notify::webhook_url, check_optional_http_url, nullptr, true,
                   "an http(s) URL or empty"),
      int_field("notify", "prefetch", &S::notify, &S::Notify::prefetch, 1, 10'000),
      int_field("notify", "concurrency", &S::notify, &S::Notify::concurrency, 1, 64),
      string_field("notify", "metrics_listen", &S::notify, &S::Notify::metrics_listen, check_optional_listen, nullptr,
                   false, "host:port or empty"),
      string_field("notify", "queue", &S::notify, &S::Notify::queue, check_notify_queue, nullptr, false, "a queue name"),
      string_field("log", "level", &S::log, &S::Log::level, check_level, nullptr, false, "a log level"),
      string_field("log", "format", &S::log, &S::Log::format, check_log_format, nullptr, false, "text or json"),
  };
  return kFields;
}

const Field* find_field(const std::string& section, const std::string& key) {
  for (const auto& f : fields()) {
    if (f.section == section && f.key == key) return &f;
  }
  return nullptr;
}

// Applies a textual value (environment, flag) to a field.
void apply_text(Settings& s, const Field& f, const std::string& text, const std::string& source) {
  try {
    switch (f.type) {
      case Type::kString:
        f.set_string(s, text);
        return;
      case Type::kInt: {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < f.min || v > f.max) {
          throw DomainError(ErrorCode::kInvalidConfig, f.hint);
        }
        f.set_int(s, v);
        return;
      }
      case Type::kBool:
        if (text == "true" || text == "1" || text == "yes") {
          f.set_bool(s, true);
        } else if (text == "false" || text == "0" || text == "no") {
          f.set_bool(s, false);
        } else {
          throw DomainError(ErrorCode::kInvalidConfig, f.hint);
        }
        return;
    }
  } catch (const DomainError& e) {
    bad(source, f.name() + " must be " + std::string(e.detail()) + ", got '" + (f.secret ? std::string("****") : text) + "'");
  }
}

void apply_toml(Settings& s, const Field& f, const toml::node& node, const std::string& source) {
  const std::string expected = f.name() + " must be " + f.hint;
  switch (f.type) {
    case Type::kString:
      if (!node.is_string()) bad(source, expected);
      apply_text(s, f, node.as_string()->get(), source);
      return;
    case Type::kInt:
      if (!node.is_integer()) bad(source, expected);
      apply_text(s, f, std::to_string(node.as_integer()->get()), source);
      return;
    case Type::kBool:
      if (!node.is_boolean()) bad(source, expected);
      f.set_bool(s, node.as_boolean()->get());
      return;
  }
}

std::string line_source(const std::string& file, const toml::node& node) {
  return file + ":" + std::to_string(node.source().begin.line);
}

void load_file(LoadedSettings& out, std::map<std::string, std::string>& sources) {
  toml::table root;
  try {
    root = toml::parse_file(out.file);
  } catch (const toml::parse_error& e) {
    bad(out.file + ":" + std::to_string(e.source().begin.line), std::string(e.description()));
  }
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const auto* table = section_node.as_table();
    if (!table) bad(line_source(out.file, section_node), "'" + section + "' must be a [section]");
    for (const auto& [key_node, value] : *table) {
      const std::string key(key_node.str());
      const Field* f = find_field(section, key);
      if (!f) bad(line_source(out.file, value), "unknown key " + section + "." + key);
      const std::string source = line_source(out.file, value);
      apply_toml(out.settings, *f, value, source);
      sources[f->name()] = source;
    }
  }
}

std::optional<std::string> choose_file(const ConfigInputs& in, std::string& origin) {
  if (in.config_flag) {
    origin = "--config";
    return in.config_flag;
  }
  if (auto it = in.environment.find("WALLET_CONFIG"); it != in.environment.end()) {
    origin = "WALLET_CONFIG";
    return it->second;
  }
  if (std::filesystem::exists("wallet.toml")) return std::string("wallet.toml");
  return std::nullopt;
}

// Rules between settings, checked once every layer is applied.
void check_together(const Settings& s) {
  const auto& w = s.withdrawals;
  const std::int64_t longest_call = w.gateway == "http" ? w.bank_timeout_ms : w.simulated_latency_ms;
  // A call ends by its deadline (bank_timeout_ms, and never later than a second before its
  // claim's lease ends), so no two workers ever call the bank for one withdrawal at once.
  if (w.lease_seconds * 1000 < longest_call + kLeaseMarginMs) {
    bad("withdrawals.lease_seconds", "must outlast one gateway call (" + std::to_string(longest_call) + " ms) by " +
                                         std::to_string(kLeaseMarginMs / 1000) +
                                         " s, or a second worker would claim a row whose call is still running");
  }
  if (w.backoff_max_ms < w.backoff_initial_ms) {
    bad("withdrawals.backoff_max_ms", "must be at least withdrawals.backoff_initial_ms");
  }
  if (s.http.tls_cert.empty() != s.http.tls_key.empty()) {
    bad("http.tls_cert", "and http.tls_key go together: give both to serve HTTPS, or neither");
  }
}

}  // namespace

std::string mask_url_password(const std::string& url) {
  std::string out = url;
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    // The user info ends at the authority's last '@': a password may hold '@' itself.
    const auto authority_end = std::min(out.find_first_of("/?#", scheme + 3), out.size());
    const auto at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon != std::string::npos && colon < at) {
      out = out.substr(0, colon + 1) + "****" + out.substr(at);
    }
  }
  // key=value strings and URL parameters can carry it too: password=x or ?password=x.
  static const std::regex kPasswordParam(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]+))", std::regex::icase);
  return std::regex_replace(out, kPasswordParam, "$1****");
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos) env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

LoadedSettings load_settings(const ConfigInputs& in) {
  LoadedSettings out;
  std::map<std::string, std::string> sources;
  std::string origin;
  if (auto file = choose_file(in, origin)) {
    out.file = *file;
    if (!std::filesystem::is_regular_file(out.file)) {
      bad(origin.empty() ? out.file : origin, "configuration file '" + out.file + "' does not exist");
    }
    load_file(out, sources);
  }
  // Environment: the names existing deployments use first, then WALLET_<SECTION>_<KEY>.
  for (const auto& f : fields()) {
    if (!f.legacy_env) continue;
    if (auto it = in.environment.find(f.legacy_env); it != in.environment.end()) {
      apply_text(out.settings, f, it->second, std::string("env ") + f.legacy_env);
      sources[f.name()] = std::string("env ") + f.legacy_env;
    }
  }
  for (const auto& entry : in.environment) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda.
    const auto& name = entry.first;
    const auto& value = entry.second;
    if (!name.starts_with("WALLET_") || name == "WALLET_CONFIG") continue;
    const auto f = std::find_if(fields().begin(), fields().end(), [&](const Field& x) { return x.env_name() == name; });
    if (f == fields().end()) bad("env " + name, "unknown setting (WALLET_<SECTION>_<KEY>, see wallet.toml)");
    apply_text(out.settings, *f, value, "env " + name);
    sources[f->name()] = "env " + name;
  }
  for (const auto& [key, value] : in.flags) {
    const auto dot = key.find('.');
    const Field* f = dot == std::string::npos ? nullptr : find_field(key.substr(0, dot), key.substr(dot + 1));
    if (!f) bad("flag --set " + key, "unknown key (section.key, see wallet.toml)");
    apply_text(out.settings, *f, value, "flag --set");
    sources[f->name()] = "flag --set";
  }
  check_together(out.settings);
  for (const auto& f : fields()) {
    const std::string value = f.show(out.settings);
    out.views.push_back({f.name(), f.secret ? mask_url_password(value) : value,
                         sources.count(f.name()) ? sources[f.name()] : "default"});
  }
  return out;
}

}  // namespace wallet
