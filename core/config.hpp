// walletctl's settings: defaults, then wallet.toml, then environment, then flags, each value
// validated against its bounds and remembered with the source it came from.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wallet {

/// A bank call's deadline ends at least this long before its claim's lease: the time between
/// the database granting a claim and the worker starting the call, and the recording after it.
inline constexpr std::int64_t kLeaseMarginMs = 1000;

struct Settings {
  struct Database {
    std::string url = "postgresql://wallet@127.0.0.1:5432/walletctl";
    std::string owner_url;                // the owner role, for `migrate`; empty: url
    std::int64_t connect_timeout = 5;     // seconds
    std::int64_t max_retries = 5;         // attempts for a transaction that hit a deadlock
    std::int64_t pool_size = 16;          // connections `serve` shares among its request threads
    std::int64_t pool_timeout_ms = 2000;  // how long a request waits for a free connection
    std::string read_url;                 // a standby for reads that accept staleness; empty: none
    std::int64_t max_read_lag_ms = 1000;  // how far behind the primary such a read may be
  } database;
  struct Http {
    std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
    std::int64_t threads = 64;              // request threads; each keep-alive client holds one
    std::int64_t read_timeout = 5;          // seconds
    std::int64_t write_timeout = 5;         // seconds
    std::int64_t keep_alive_timeout = 5;    // seconds an idle keep-alive connection is kept
    std::int64_t request_timeout = 10;      // seconds to deliver a whole request (not per read)
    std::int64_t keep_alive_max_requests = 1000;
    std::int64_t max_body_bytes = 65536;  // whatever the framing; inflated size for compressed bodies
    std::int64_t max_batch_operations = 1000;   // operations in one POST /batches
    std::int64_t max_batch_body_bytes = 2097152;  // its body, read only once the caller is admitted
    std::int64_t max_headers = 64;        // header fields in one request
    std::int64_t max_header_bytes = 16384;  // their names and values together
    std::int64_t shutdown_timeout = 10;  // seconds to finish in-flight requests on SIGTERM
    std::string tls_cert, tls_key;       // PEM files: serve HTTPS (both, or neither)
  } http;
  struct Ledger {
    std::string default_currency = "USD";
    std::int64_t max_amount = 1'000'000'000'000'000;
    std::int64_t batch_size = 500;
    std::int64_t pending_timeout_seconds = 3600;  // a pending transfer's life when its request names none
    std::int64_t pending_sweep_interval_ms = 1000;  // how often serve and worker void expired ones
  } ledger;
  struct GroupCommit {
    std::int64_t writers = 2;      // writer threads, each with its own database connection
    std::int64_t max_batch = 256;  // operations per database transaction at most
    std::int64_t linger_us = 0;    // how long a writer waits for more when less than a batch waits
  } group_commit;
  struct Withdrawals {
    bool enabled = true;                // `serve` runs the worker pool
    std::int64_t workers = 50;          // payouts in flight at once
    std::string gateway = "simulated";  // simulated or http
    std::string bank_url = "http://127.0.0.1:9090/payouts";
    std::string bank_ca_file;  // PEM bundle for an https bank; empty: the system's
    std::int64_t bank_timeout_ms = 5000;
    std::int64_t simulated_latency_ms = 50;
    std::int64_t simulated_failure_percent = 0;  // transient failures of the simulated bank
    std::int64_t max_attempts = 8;
    std::int64_t backoff_initial_ms = 1000;
    std::int64_t backoff_max_ms = 300'000;
    std::int64_t lease_seconds = 60;  // a claim expires after this; must outlast a bank call
    std::int64_t review_retry_seconds = 900;  // between calls of a withdrawal in needs_review
    std::string metrics_listen;  // `walletctl worker`'s /metrics and /healthz; empty: none
  } withdrawals;
  struct Redis {
    bool enabled = true;
    std::string addr = "127.0.0.1:6379";
    std::int64_t timeout_ms = 50;             // connect and each command
    std::int64_t catch_up_timeout_ms = 1000;  // a writer whose tell failed, after its commit
    std::int64_t ttl_seconds = 300;           // of cached wallets and of tombstones
    std::int64_t breaker_failures = 3;        // consecutive failures that open the breaker
    std::int64_t breaker_cooldown_ms = 2000;  // how long an open breaker keeps callers away
    std::string key_prefix;                   // empty: "walletctl:<database name>:"
  } redis;
  struct Rabbitmq {
    bool enabled = true;
    std::string url = "amqp://guest:guest@127.0.0.1:5672/";
    std::int64_t publish_batch = 500;           // outbox rows per confirmed batch
    std::int64_t outbox_retention_hours = 168;  // published rows are pruned after this
    std::int64_t heartbeat_seconds = 30;        // AMQP heartbeats; 0 turns them off
    std::string exchange = "wallet.events";     // the topic exchange events go to
    std::string events_queue = "wallet.events.all";  // declared, bound to every event; empty: none
  } rabbitmq;
  struct Notify {
    std::string webhook_url;  // empty: notifications go to the log
    std::int64_t prefetch = 50;     // also the most messages handled as one batch
    std::int64_t concurrency = 8;  // webhook calls at once (each owner's in order)
    std::string metrics_listen;  // `walletctl notify`'s /metrics and /healthz; empty: none
    std::string queue = "wallet.notifications";  // dead letters go to `<queue>.dlq` through `<queue>.dlx`
  } notify;
  struct Auth {
    bool enabled = true;                 // API keys required (all but /healthz and /readyz)
    bool public_metrics = false;         // /metrics without a key
    bool public_openapi = true;          // /openapi.json without a key
    std::int64_t key_cache_ms = 1000;    // how long a checked key is trusted: revocation delay
    std::int64_t rate_per_second = 100;  // requests per second per API key (token bucket)
    std::int64_t rate_burst = 200;       // and the bucket's size
    std::int64_t failures_per_second = 5;  // failed authentications per second per client address
    std::int64_t failure_burst = 20;       // and that bucket's size
  } auth;
  struct Log {
    std::string level = "info";
    std::string format = "text";  // text or json (JSON lines)
  } log;
};

/// One effective value as `config show` prints it.
struct SettingView {
  std::string key;     // "database.url"
  std::string value;   // secrets masked
  std::string source;  // "default", "wallet.toml:3", "env DATABASE_URL", "flag --set"
};

struct LoadedSettings {
  Settings settings;
  std::string file;  // the file read, empty when none
  std::vector<SettingView> views;
};

struct ConfigInputs {
  std::optional<std::string> config_flag;                  // --config FILE
  std::map<std::string, std::string> environment;          // the process environment
  std::vector<std::pair<std::string, std::string>> flags;  // --set section.key=value
};

/// Layers defaults, the TOML file, environment and flags. Throws DomainError(kInvalidConfig)
/// naming the key, the source and the accepted values for any unknown key or bad value.
LoadedSettings load_settings(const ConfigInputs& inputs);

/// The process environment as a map.
std::map<std::string, std::string> process_environment();

/// "postgresql://user:****@host/db": the password of a URL replaced by ****.
std::string mask_url_password(const std::string& url);

}  // namespace wallet
