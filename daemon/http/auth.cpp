#include "daemon/http/auth.hpp"

#include <cmath>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "core/pg/pool.hpp"

namespace wallet::daemon {
namespace {

constexpr std::size_t kMaxChecked = 10'000;  // a flood of made-up secrets cannot grow it further

// The secret of "Bearer <secret>" (scheme case-insensitive); none for anything else.
std::optional<std::string> bearer_secret(const std::string& header) {
  static constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  auto secret = header.substr(kScheme.size());
  while (!secret.empty() && secret.front() == ' ') secret.erase(secret.begin());
  if (secret.empty()) return std::nullopt;
  return secret;
}

[[noreturn]] void unauthorized(Exchange& ex, const char* error, const std::string& detail) {
  std::string challenge = "Bearer realm=\"walletctl\"";
  if (error) challenge += std::string(", error=\"") + error + "\"";
  ex.res.set_header("WWW-Authenticate", challenge);
  throw DomainError(ErrorCode::kUnauthorized, detail);
}

}  // namespace

bool Authenticator::is_public(const Exchange& ex) const {
  if (ex.route == "/healthz" || ex.route == "/readyz") return true;
  if (ex.route == "/metrics") return settings_.public_metrics;
  // The documentation page shows the document, so it is as public as the document.
  if (ex.route == "/openapi.json" || ex.route == "/docs" || ex.route == "/docs/{file}") return settings_.public_openapi;
  return false;
}

std::optional<ApiKey> Authenticator::admit(Exchange& ex, ApiScope needed) {
  if (!settings_.enabled || is_public(ex)) return std::nullopt;
  refuse_when_failing(ex);
  const auto header = ex.header("Authorization");
  if (!header) fail(ex, nullptr, "this route needs an API key: Authorization: Bearer <secret>");
  const auto secret = bearer_secret(*header);
  if (!secret) fail(ex, "invalid_request", "the Authorization header must be 'Bearer <secret>'");
  const auto key = look_up(*secret);
  if (!key) fail(ex, "invalid_token", "the API key is unknown or revoked");
  if (static_cast<int>(key->scope) < static_cast<int>(needed)) {
    throw DomainError(ErrorCode::kForbidden, std::string("this API key's scope is ") + api_scope_name(key->scope) +
                                                 "; " + ex.req.method + " " + ex.route + " needs " +
                                                 api_scope_name(needed));
  }
  take_token(ex, *key);
  return key;
}

std::optional<ApiKey> Authenticator::look_up(const std::string& secret) {
  const auto digest = sha256_hex(secret);
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = checked_.find(digest);
    if (it != checked_.end() && now < it->second.until) return it->second.key;
  }
  std::optional<ApiKey> key;
  try {
    auto conn = pool_.acquire();
    key = ApiKeyStore(*conn).authenticate(secret);
  } catch (const pg::PoolExhausted&) {
    throw;  // busy is not down: nothing is accepted unchecked
  } catch (const DomainError& e) {
    // While the database cannot be reached, a key it accepted lately stays accepted for one more
    // auth.key_cache_ms (a revocation cannot take effect before the database is back):
    // /health and /metrics keep answering their callers; anything that needs the database
    // fails on its own.
    if (error_info(e.code()).error_class != ErrorClass::kUnavailable) throw;
    std::lock_guard lock(mutex_);
    auto it = checked_.find(digest);
    if (it == checked_.end() || !it->second.key ||
        now >= it->second.until + std::chrono::milliseconds(settings_.key_cache_ms)) {
      throw;
    }
    return it->second.key;
  }
  std::lock_guard lock(mutex_);
  if (checked_.size() >= kMaxChecked) checked_.clear();
  checked_[digest] = {key, now + std::chrono::milliseconds(settings_.key_cache_ms)};
  return key;
}

void Authenticator::refuse_when_failing(Exchange& ex) {
  std::chrono::duration<double> wait{};
  {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(ex.req.remote_addr);
    if (it == failures_.end() || it->second.has_token(Clock::now(), wait)) return;
  }
  ex.res.set_header("Retry-After", std::to_string(std::max(1L, static_cast<long>(std::ceil(wait.count())))));
  throw DomainError(ErrorCode::kRateLimited, "too many failed authentications from this address; retry later");
}

void Authenticator::fail(Exchange& ex, const char* error, const std::string& detail) {
  {
    std::lock_guard lock(mutex_);
    if (failures_.size() >= kMaxChecked) failures_.clear();  // a flood of addresses cannot grow it further
    const auto now = Clock::now();
    auto it = failures_
                  .try_emplace(ex.req.remote_addr, static_cast<double>(settings_.failures_per_second),
                               static_cast<double>(settings_.failure_burst), now)
                  .first;
    std::chrono::duration<double> wait{};
    it->second.take(now, wait);
  }
  unauthorized(ex, error, detail);
}

void Authenticator::count_operations(Exchange& ex, std::size_t operations) {
  if (!ex.caller || operations <= 1) return;
  if (operations > static_cast<std::size_t>(settings_.rate_burst)) {
    throw DomainError(ErrorCode::kBatchTooLarge, "a batch of " + std::to_string(operations) +
                                                     " operations exceeds this API key's burst of " +
                                                     std::to_string(settings_.rate_burst) + " (auth.rate_burst)");
  }
  take_token(ex, *ex.caller, static_cast<double>(operations - 1));
}

void Authenticator::take_token(Exchange& ex, const ApiKey& key, double count) {
  const auto now = Clock::now();
  std::chrono::duration<double> wait{};
  {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(key.id);
    if (it == buckets_.end()) {
      it = buckets_
               .emplace(key.id, TokenBucket(static_cast<double>(settings_.rate_per_second),
                                            static_cast<double>(settings_.rate_burst), now))
               .first;
    }
    if (it->second.take(now, wait, count)) return;
  }
  const auto seconds = static_cast<long>(std::ceil(wait.count()));
  ex.res.set_header("Retry-After", std::to_string(std::max(1L, seconds)));
  throw DomainError(ErrorCode::kRateLimited, "this API key may make " + std::to_string(settings_.rate_per_second) +
                                                 " requests (or batch operations) a second (bursts of " +
                                                 std::to_string(settings_.rate_burst) + "); retry later");
}

}  // namespace wallet::daemon
