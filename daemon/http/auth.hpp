// Who is calling and what they may do. A request names its API key in `Authorization: Bearer
// <secret>`; keys are checked against the api_keys table through a short-lived in-process
// cache (`auth.key_cache_ms`, so a revocation takes effect within it), each route needs a scope
// (GET and HEAD: read, POST: write, POST /charge: charge). Failed authentications are limited
// per client address (`auth.failures_per_second`, `failure_burst`) before any key is looked up., and each key has a
// token bucket (`auth.rate_per_second`, `rate_burst`).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/api_keys.hpp"
#include "core/config.hpp"
#include "core/pg/pool.hpp"
#include "core/token_bucket.hpp"
#include "daemon/http/exchange.hpp"

namespace wallet::daemon {

class Authenticator {
 public:
  Authenticator(const Settings& settings, pg::ConnectionPool& pool) : settings_(settings.auth), pool_(pool) {}

  /// Admits a request to a matched route that needs `needed`: returns its caller, none for a
  /// public route or when auth is disabled. Throws DomainError kUnauthorized (with
  /// WWW-Authenticate set), kForbidden or kRateLimited (with Retry-After set).
  std::optional<ApiKey> admit(Exchange& ex, ApiScope needed);

  /// A batch counts its operations, not one request: takes `operations` - 1 more tokens from
  /// the caller's bucket (admit() took one). Throws DomainError kBatchTooLarge when they exceed
  /// the key's burst (no wait would let them through), kRateLimited (Retry-After set) when they
  /// are not there yet. Nothing to take without a caller.
  void count_operations(Exchange& ex, std::size_t operations);

 private:
  using Clock = std::chrono::steady_clock;
  struct Checked {
    std::optional<ApiKey> key;  // none: the secret is not a live key
    Clock::time_point until;
  };
  bool is_public(const Exchange& ex) const;
  std::optional<ApiKey> look_up(const std::string& secret);
  void take_token(Exchange& ex, const ApiKey& key, double count = 1);
  /// 429 for a client address whose failed authentications used up their bucket.
  void refuse_when_failing(Exchange& ex);
  /// Counts a failed authentication against the client's address, then answers 401.
  [[noreturn]] void fail(Exchange& ex, const char* error, const std::string& detail);

  const Settings::Auth settings_;
  pg::ConnectionPool& pool_;
  std::mutex mutex_;
  std::unordered_map<std::string, Checked> checked_;       // by SHA-256 of the secret
  std::unordered_map<std::string, TokenBucket> buckets_;   // by key id
  std::unordered_map<std::string, TokenBucket> failures_;  // by client address
};

}  // namespace wallet::daemon
