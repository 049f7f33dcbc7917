// The balance cache: wallets cache-aside in Redis, never staler than the last acknowledged
// write. Every committed write leaves a tombstone carrying the wallet's new version; a reader's
// fill is refused when a newer version is there, when the epoch changed since the reader
// looked, or after the reader's PostgreSQL read took too long. Any Redis failure makes the next
// successful call start a new epoch (everything cached before is forgotten), and a circuit
// breaker stops callers from waiting on a Redis that is down or slow.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/circuit_breaker.hpp"
#include "core/config.hpp"
#include "core/model.hpp"
#include "core/read_batcher.hpp"
#include "core/redis/connection.hpp"

namespace wallet {

struct CacheStats {
  std::uint64_t hits = 0, misses = 0, fills = 0, fills_refused = 0, invalidations = 0, errors = 0, epochs = 0,
                bypassed = 0;
  CircuitBreaker::State breaker = CircuitBreaker::State::kClosed;
};

class BalanceCache {
 public:
  using Clock = std::chrono::steady_clock;

  /// `key_prefix` names this ledger's keys (Settings::Redis::key_prefix, resolved).
  BalanceCache(const Settings::Redis& config, std::string key_prefix);
  ~BalanceCache();
  BalanceCache(const BalanceCache&) = delete;

  /// The wallet's API JSON: from Redis when it holds a current copy, else from `load` (a read
  /// of PostgreSQL), which is then offered to Redis for the next reader.
  std::string wallet_json(const std::string& wallet_id, const std::function<WalletSnapshot()>& load);
  /// The same for the user's wallet in a currency.
  std::string user_wallet_json(const std::string& user_id, const std::string& currency,
                               const std::function<WalletSnapshot()>& load);

  /// Leaves a tombstone of each new version (written before the commit that makes them, see
  /// write_posting()). Never throws; false when Redis could not be told, and then the next
  /// successful call starts a new epoch instead.
  bool invalidate(const std::vector<WalletVersion>& changed) noexcept;
  /// Forgets everything cached (at the next call that reaches Redis): for when invalidations
  /// may have been missed, such as a daemon's start or a lost notification stream.
  void forget_all() noexcept { ++missed_; }
  /// How many failures (and forget_all calls) this process has had so far. A writer takes it
  /// before its transaction and hands it to catch_up() after the commit.
  std::uint64_t failures_so_far() const noexcept { return missed_.load(); }
  /// Called by a writer after its commit, before it acknowledges: when any call of this process
  /// failed since `failures_before` (its own tell, perhaps), makes Redis forget every copy now
  /// with a new epoch, waiting up to `catch_up_timeout_ms`. An epoch started by another call
  /// before this commit does not do: a reader may have cached the uncommitted state in it.
  /// Never throws; false when Redis stayed out of reach (then the commit's notification is
  /// what tells the other processes).
  bool catch_up(std::uint64_t failures_before) noexcept;
  CacheStats stats() const;

  // The two halves of a read, public so a test can force a write between them.
  struct Lookup {
    std::optional<std::string> json;       // a hit
    std::optional<std::string> epoch;      // set when a fill may follow (Redis answered)
    std::optional<std::string> wallet_id;  // a user lookup: the wallet it maps to, if known
  };
  Lookup lookup_wallet(const std::string& wallet_id);
  Lookup lookup_user_wallet(const std::string& user_id, const std::string& currency);
  /// Offers what `load` read, `loaded_at` being when the read began. Returns whether Redis took
  /// it. `map_user` also points the user's key (user id and currency) at the wallet.
  bool fill(const std::string& epoch, const WalletSnapshot& snapshot, Clock::time_point loaded_at,
            bool map_user = false);

 private:
  class Pool;
  std::string read_through(const Lookup& found, const std::function<WalletSnapshot()>& load, bool map_user);
  /// One entry to read: its hash fields, the first being its epoch ("e").
  struct EntryRead {
    EntryRead(std::string k, std::vector<std::string_view> f) : key(std::move(k)), fields(std::move(f)) {}
    std::string key;
    std::vector<std::string_view> fields;
    std::optional<std::string> epoch;  // the current epoch, once Redis answered
    std::vector<std::string> values;   // the fields, when the entry is of that epoch
    std::int64_t redis_now_ms = 0;
  };
  void read_entries(std::vector<EntryRead*>& batch) noexcept;
  Lookup find_wallet(const std::string& wallet_id);
  std::string create_epoch(redis::Connection& conn);
  /// A value no other epoch has had: this process's random prefix and a counter.
  std::string epoch_candidate();
  bool fill(const std::string& epoch, const WalletSnapshot& snapshot, const std::string& json,
            Clock::time_point loaded_at, bool map_user);
  /// Runs `call` on a pooled connection unless the breaker is open, after a new epoch when a
  /// failure has not been covered by one yet; false when it did not run or failed (then a new
  /// epoch is due).
  template <class Call>
  bool with_redis(Call&& call) noexcept;
  /// Runs `body` unless the breaker is open; a failure is counted and logged.
  template <class Body>
  bool guarded(Body&& body) noexcept;
  /// Starts a new epoch when a failure has not been covered by one yet, or `always`.
  void cover_failures(redis::Connection& conn, bool always);
  void failed(const std::exception& e) noexcept;
  struct Script {
    const char* text;
    std::string sha1;
  };
  redis::Reply run_script(redis::Connection& conn, const Script& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);
  void start_new_epoch(redis::Connection& conn);
  std::string wallet_key(const std::string& id) const { return prefix_ + "w:" + id; }
  std::string user_key(const std::string& user_id, const std::string& currency) const {
    return prefix_ + "u:" + currency + ":" + user_id;
  }

  const Settings::Redis config_;
  const std::string prefix_, epoch_key_;
  const Script fill_script_, invalidate_script_;
  const std::string epoch_prefix_;
  std::atomic<std::uint64_t> epoch_counter_{0};
  std::unique_ptr<Pool> pool_;
  ReadBatcher<EntryRead> reads_;  // concurrent lookups share round trips
  CircuitBreaker breaker_;
  // Failures (and forget_all calls) so far, and how many of them a new epoch has covered. The
  // count covered rises only once that epoch is in Redis, so no call reads the old epoch's
  // copies after a failure it could know of (a flag cleared before setting the epoch allowed
  // exactly that).
  std::atomic<std::uint64_t> missed_{0}, covered_{0};
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, fills_{0}, fills_refused_{0}, invalidations_{0}, errors_{0},
      epochs_{0}, bypassed_{0};
};

/// The cache `settings` ask for, or none when Redis is disabled.
std::unique_ptr<BalanceCache> balance_cache_from_settings(const Settings& settings);

}  // namespace wallet
