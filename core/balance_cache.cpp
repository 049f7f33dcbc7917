#include "core/balance_cache.hpp"

#include <charconv>

#include "core/balance_cache_scripts.hpp"
#include "core/digest.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/logging.hpp"
#include "core/pg/connection.hpp"

namespace wallet {
namespace {

constexpr std::size_t kMaxReadBatch = 128;  // entries per pipelined round trip

std::optional<std::int64_t> to_int64(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

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
      fill_script_{cache_scripts::kFill, sha1_hex(cache_scripts::kFill)},
      invalidate_script_{cache_scripts::kInvalidate, sha1_hex(cache_scripts::kInvalidate)},
      epoch_prefix_(new_uuid() + ":"),
      pool_(std::make_unique<Pool>(config.addr, std::chrono::milliseconds(config.timeout_ms))),
      reads_([this](std::vector<EntryRead*>& batch) { read_entries(batch); }, kMaxReadBatch),
      breaker_(static_cast<int>(config.breaker_failures), std::chrono::milliseconds(config.breaker_cooldown_ms)) {}

BalanceCache::~BalanceCache() = default;

std::string BalanceCache::epoch_candidate() { return epoch_prefix_ + std::to_string(++epoch_counter_); }

void BalanceCache::cover_failures(redis::Connection& conn, bool always) {
  const auto missed = missed_.load();
  if (!always && missed == covered_.load()) return;
  start_new_epoch(conn);
  auto covered = covered_.load();
  while (covered < missed && !covered_.compare_exchange_weak(covered, missed)) {
  }
}

void BalanceCache::failed(const std::exception& e) noexcept {
  // Redis may have lost or kept writes we cannot know about: nothing cached so far is trusted.
  ++missed_;
  ++errors_;
  breaker_.failure();
  log_event(spdlog::level::warn, "balance cache: Redis call failed; reads go to PostgreSQL until it answers",
            {{"error", e.what()}, {"breaker", static_cast<int>(breaker_.state())}});
}

template <class Body>
bool BalanceCache::guarded(Body&& body) noexcept {
  if (!breaker_.allow()) {
    ++bypassed_;
    return false;
  }
  try {
    body();
    breaker_.success();
    return true;
  } catch (const std::exception& e) {
    failed(e);
    return false;
  }
}

template <class Call>
bool BalanceCache::with_redis(Call&& call) noexcept {
  return guarded([&] {
    auto conn = pool_->take();
    cover_failures(*conn, false);
    call(*conn);
    pool_->give_back(std::move(conn));
  });
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
  const auto reply = conn.command({"SET", epoch_key_, epoch_candidate()});
  if (reply.is_error()) throw redis::Error("Redis refused a new cache epoch: " + std::string(reply.str()));
  ++epochs_;
  log_event(spdlog::level::info, "balance cache: new epoch, earlier copies forgotten", {{"key", epoch_key_}});
}

std::string BalanceCache::create_epoch(redis::Connection& conn) {
  conn.command({"SET", epoch_key_, epoch_candidate(), "NX"});
  const auto created = conn.command({"GET", epoch_key_});
  if (created.is_nil() || created.is_error()) throw redis::Error("Redis lost the cache epoch just set");
  return std::string(created.str());
}

// Plain reads, pipelined: the epoch, Redis's clock and every queued entry in one round trip,
// cheaper for Redis than a script. A missing epoch (a fresh or restarted Redis) is created.
void BalanceCache::read_entries(std::vector<EntryRead*>& batch) noexcept {
  const bool answered = with_redis([&](redis::Connection& conn) {
    std::vector<std::vector<std::string_view>> commands{{"GET", epoch_key_}, {"TIME"}};
    commands.reserve(batch.size() + 2);
    for (const auto* r : batch) {
      std::vector<std::string_view> hmget{"HMGET", r->key};
      hmget.insert(hmget.end(), r->fields.begin(), r->fields.end());
      commands.push_back(std::move(hmget));
    }
    const auto replies = conn.pipeline(commands);
    for (const auto& reply : replies) {
      if (reply.is_error()) throw redis::Error("Redis refused a cache read: " + std::string(reply.str()));
    }
    if (replies[0].is_nil()) {
      const auto epoch = create_epoch(conn);
      for (auto* r : batch) r->epoch = epoch;  // a new epoch holds nothing yet
      return;
    }
    const std::string epoch(replies[0].str());
    const auto& time = replies[1];
    if (time.size() != 2) throw redis::Error("Redis answered TIME without seconds and microseconds");
    const std::int64_t now_ms =
        to_int64(time.element(0).str()).value_or(0) * 1000 + to_int64(time.element(1).str()).value_or(0) / 1000;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto* r = batch[i];
      const auto& entry = replies[i + 2];
      r->epoch = epoch;
      r->redis_now_ms = now_ms;
      if (entry.size() != r->fields.size() || entry.element(0).str() != epoch) continue;  // absent, or stale
      for (std::size_t f = 0; f < entry.size(); ++f) r->values.emplace_back(entry.element(f).str());
    }
  });
  if (answered) return;
  for (auto* r : batch) {
    r->epoch.reset();
    r->values.clear();
  }
}

// A copy counts when it is of the current epoch, holds a body (a tombstone does not), and its
// next hold release, by Redis's clock, has not come.
BalanceCache::Lookup BalanceCache::find_wallet(const std::string& wallet_id) {
  EntryRead read{wallet_key(wallet_id), {"e", "u", "d"}};
  reads_.perform(read);
  Lookup out;
  out.epoch = read.epoch;
  if (read.values.size() != 3 || read.values[2].empty()) return out;
  const auto valid_until = to_int64(read.values[1]);
  if (valid_until && (*valid_until == 0 || read.redis_now_ms < *valid_until)) out.json = std::move(read.values[2]);
  return out;
}

BalanceCache::Lookup BalanceCache::lookup_wallet(const std::string& wallet_id) {
  auto out = find_wallet(wallet_id);
  ++(out.json ? hits_ : misses_);
  return out;
}

BalanceCache::Lookup BalanceCache::lookup_user_wallet(const std::string& user_id, const std::string& currency) {
  EntryRead mapping{user_key(user_id, currency), {"e", "id"}};
  reads_.perform(mapping);
  Lookup out;
  out.epoch = mapping.epoch;
  if (mapping.values.size() == 2) {
    out = find_wallet(mapping.values[1]);
    out.wallet_id = mapping.values[1];
  }
  ++(out.json ? hits_ : misses_);
  return out;
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
  return fill(epoch, snapshot, json_text(snapshot.wallet), loaded_at, map_user);
}

std::string BalanceCache::read_through(const Lookup& found, const std::function<WalletSnapshot()>& load,
                                       bool map_user) {
  if (found.json) return *found.json;
  const auto started = Clock::now();
  const auto snapshot = load();
  auto json = json_text(snapshot.wallet);
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

bool BalanceCache::invalidate(const std::vector<WalletVersion>& changed) noexcept {
  if (changed.empty()) return true;
  try {
    std::vector<std::string> keys{epoch_key_}, args{epoch_candidate(), std::to_string(config_.ttl_seconds * 1000)};
    keys.reserve(changed.size() + 1);
    args.reserve(changed.size() + 2);
    for (const auto& c : changed) {
      keys.push_back(wallet_key(c.wallet_id));
      args.push_back(std::to_string(c.version));
    }
    if (with_redis([&](redis::Connection& conn) { run_script(conn, invalidate_script_, keys, args); })) {
      invalidations_ += changed.size();
      return true;
    }
  } catch (const std::exception&) {
  }
  ++missed_;  // Redis may hold a copy older than this change now
  return false;
}

bool BalanceCache::catch_up(std::uint64_t failures_before) noexcept {
  if (missed_.load() == failures_before) return true;
  // On a connection of its own, with a longer timeout: the commit is done, and what the
  // writer acknowledges next must not be read older from Redis.
  return guarded([&] {
    auto conn = redis::Connection::open(config_.addr, std::chrono::milliseconds(config_.catch_up_timeout_ms));
    cover_failures(conn, true);
  });
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
