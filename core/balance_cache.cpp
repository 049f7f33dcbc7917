#include "core/balance_cache.hpp"

#include "core/balance_cache_scripts.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/logging.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

// Idle connections kept for the next caller; a caller that finds none opens its own, so the
// pool never holds more connections than there were callers at once.
class BalanceCache::Pool {
 public:
  Pool(std::string addr, std::chrono::milliseconds timeout) : addr_(std::move(addr)), timeout_(timeout) {}

  std::unique_ptr<redis::Connection> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
    }
    return std::make_unique<redis::Connection>(redis::Connection::open(addr_, timeout_));
  }
  void give_back(std::unique_ptr<redis::Connection> conn) {
    if (conn->is_broken()) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }

 private:
  const std::string addr_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<redis::Connection>> idle_;
};

BalanceCache::BalanceCache(const Settings::Redis& config, std::string key_prefix)
    : config_(config),
      prefix_(std::move(key_prefix)),
      epoch_key_(prefix_ + "epoch"),
      lookup_script_{cache_scripts::kLookup, sha1_hex(cache_scripts::kLookup)},
      fill_script_{cache_scripts::kFill, sha1_hex(cache_scripts::kFill)},
      invalidate_script_{cache_scripts::kInvalidate, sha1_hex(cache_scripts::kInvalidate)},
      pool_(std::make_unique<Pool>(config.addr, std::chrono::milliseconds(config.timeout_ms))),
      breaker_(static_cast<int>(config.breaker_failures), std::chrono::milliseconds(config.breaker_cooldown_ms)) {}

BalanceCache::~BalanceCache() = default;

template <class Call>
bool BalanceCache::with_redis(Call&& call) noexcept {
  if (!breaker_.allow()) {
    ++bypassed_;
    return false;
  }
  try {
    auto conn = pool_->take();
    if (epoch_stale_.exchange(false)) start_new_epoch(*conn);
    call(*conn);
    pool_->give_back(std::move(conn));
    breaker_.success();
    return true;
  } catch (const std::exception& e) {
    // Redis may have lost or kept writes we cannot know about: nothing cached so far is trusted.
    epoch_stale_ = true;
    ++errors_;
    breaker_.failure();
    log_event(spdlog::level::warn, "balance cache: Redis call failed, reading PostgreSQL",
              {{"error", e.what()}, {"breaker", static_cast<int>(breaker_.state())}});
    return false;
  }
}

redis::Reply BalanceCache::run_script(redis::Connection& conn, const Script& script,
                                      const std::vector<std::string>& keys, const std::vector<std::string>& args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> words{"EVALSHA", script.sha1, key_count};
  words.reserve(3 + keys.size() + args.size());
  for (const auto& k : keys) words.emplace_back(k);
  for (const auto& a : args) words.emplace_back(a);
  auto reply = conn.command(words);
  if (reply.is_error() && reply.str().starts_with("NOSCRIPT")) {  // first use on this server
    words[0] = "EVAL";
    words[1] = script.text;
    reply = conn.command(words);
  }
  if (reply.is_error()) throw redis::Error("Redis refused a balance cache script: " + std::string(reply.str()));
  return reply;
}

void BalanceCache::start_new_epoch(redis::Connection& conn) {
  const auto reply = conn.command({"SET", epoch_key_, new_uuid()});
  if (reply.is_error()) throw redis::Error("Redis refused a new cache epoch: " + std::string(reply.str()));
  ++epochs_;
  log_event(spdlog::level::info, "balance cache: new epoch, earlier copies forgotten", {{"key", epoch_key_}});
}

BalanceCache::Lookup BalanceCache::lookup(const std::string& key, bool by_user) {
  Lookup out;
  with_redis([&](redis::Connection& conn) {
    std::vector<std::string> args{new_uuid()};
    if (by_user) args.push_back(prefix_ + "w:");
    const auto reply = run_script(conn, lookup_script_, {epoch_key_, key}, args);
    if (reply.size() == 0) throw redis::Error("the cache lookup script answered no epoch");
    out.epoch = std::string(reply.element(0).str());
    if (reply.size() > 1 && !reply.element(1).is_nil()) out.json = std::string(reply.element(1).str());
    if (reply.size() > 2 && !reply.element(2).is_nil()) out.wallet_id = std::string(reply.element(2).str());
  });
  if (out.json) {
    ++hits_;
  } else {
    ++misses_;
  }
  return out;
}

BalanceCache::Lookup BalanceCache::lookup_wallet(const std::string& wallet_id) {
  return lookup(wallet_key(wallet_id), false);
}

BalanceCache::Lookup BalanceCache::lookup_user_wallet(const std::string& user_id, const std::string& currency) {
  return lookup(user_key(user_id, currency), true);
}

bool BalanceCache::fill(const std::string& epoch, const WalletSnapshot& snapshot, const std::string& json,
                        Clock::time_point loaded_at, bool map_user) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - loaded_at).count();
  // A read older than half the TTL may predate a tombstone that has expired since.
  if (elapsed > config_.ttl_seconds * 500) return false;
  std::int64_t release_in = -1;
  if (snapshot.release_in_ms) {
    // Counted from the read's start, less the longest the script may wait to run: the copy
    // expires before the hold releases, never after.
    release_in = *snapshot.release_in_ms - elapsed - config_.timeout_ms;
    if (release_in <= 0) return false;
  }
  const auto& w = snapshot.wallet;
  std::vector<std::string> keys{epoch_key_, wallet_key(w.id)};
  if (map_user) keys.push_back(user_key(w.user_id, w.currency));
  const std::vector<std::string> args{
      epoch, std::to_string(w.version), std::to_string(release_in), json, std::to_string(config_.ttl_seconds * 1000),
      w.id};
  bool taken = false;
  const bool answered =
      with_redis([&](redis::Connection& conn) { taken = run_script(conn, fill_script_, keys, args).integer() == 1; });
  if (answered) ++(taken ? fills_ : fills_refused_);
  return taken;
}

bool BalanceCache::fill(const std::string& epoch, const WalletSnapshot& snapshot, Clock::time_point loaded_at,
                        bool map_user) {
  return fill(epoch, snapshot, to_json(snapshot.wallet).dump(), loaded_at, map_user);
}

std::string BalanceCache::read_through(const Lookup& found, const std::function<WalletSnapshot()>& load,
                                       bool map_user) {
  if (found.json) return *found.json;
  const auto started = Clock::now();
  const auto snapshot = load();
  auto json = to_json(snapshot.wallet).dump();
  if (found.epoch) fill(*found.epoch, snapshot, json, started, map_user);
  return json;
}

std::string BalanceCache::wallet_json(const std::string& wallet_id, const std::function<WalletSnapshot()>& load) {
  return read_through(lookup_wallet(wallet_id), load, false);
}

std::string BalanceCache::user_wallet_json(const std::string& user_id, const std::string& currency,
                                           const std::function<WalletSnapshot()>& load) {
  return read_through(lookup_user_wallet(user_id, currency), load, true);
}

void BalanceCache::invalidate(const std::vector<WalletVersion>& changed) noexcept {
  if (changed.empty()) return;
  try {
    std::vector<std::string> keys{epoch_key_}, args{new_uuid(), std::to_string(config_.ttl_seconds * 1000)};
    keys.reserve(changed.size() + 1);
    args.reserve(changed.size() + 2);
    for (const auto& c : changed) {
      keys.push_back(wallet_key(c.wallet_id));
      args.push_back(std::to_string(c.version));
    }
    const bool done = with_redis([&](redis::Connection& conn) { run_script(conn, invalidate_script_, keys, args); });
    if (done) {
      invalidations_ += changed.size();
    } else {
      epoch_stale_ = true;  // the breaker kept us from Redis: what it holds may be stale now
    }
  } catch (const std::exception&) {
    epoch_stale_ = true;
  }
}

CacheStats BalanceCache::stats() const {
  CacheStats s;
  s.hits = hits_;
  s.misses = misses_;
  s.fills = fills_;
  s.fills_refused = fills_refused_;
  s.invalidations = invalidations_;
  s.errors = errors_;
  s.epochs = epochs_;
  s.bypassed = bypassed_;
  s.breaker = breaker_.state();
  return s;
}

std::unique_ptr<BalanceCache> balance_cache_from_settings(const Settings& settings) {
  if (!settings.redis.enabled) return nullptr;
  auto prefix = settings.redis.key_prefix;
  if (prefix.empty()) prefix = "walletctl:" + pg::database_name(settings.database.url) + ":";
  return std::make_unique<BalanceCache>(settings.redis, std::move(prefix));
}

}  // namespace wallet
