// The balance cache against the real Redis and PostgreSQL: the interleaving that breaks naive
// cache-aside forced step by step, a writer that cannot reach Redis, and Redis unreachable.
#include <gtest/gtest.h>

#include <poll.h>

#include <nlohmann/json.hpp>

#include <thread>

#include "core/balance_cache.hpp"
#include "core/ids.hpp"
#include "core/redis/connection.hpp"
#include "core/signals.hpp"
#include "daemon/events/wallet_change_listener.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class BalanceCacheTest : public LedgerFixture {
 protected:
  using Clock = std::chrono::steady_clock;

  // A Redis address where nothing listens: every call is refused at once.
  Settings::Redis unreachable_redis(std::int64_t breaker_failures = 3) const {
    auto r = settings_.redis;
    r.addr = "127.0.0.1:1";
    r.breaker_failures = breaker_failures;
    r.breaker_cooldown_ms = 60'000;
    return r;
  }
  std::int64_t balance_through(BalanceCache& cache, const std::string& wallet) {
    auto json = cache.wallet_json(wallet, [&] { return wallets_.snapshot(wallet); });
    return nlohmann::json::parse(json).at("balance").get<std::int64_t>();
  }
  std::optional<std::int64_t> cached_balance(const std::string& wallet) {
    const auto found = cache_.lookup_wallet(wallet);
    if (!found.json) return std::nullopt;
    return nlohmann::json::parse(*found.json).at("balance").get<std::int64_t>();
  }

  // Makes every ledger commit wait at an advisory lock until the returned connection lets go of
  // it (SELECT pg_advisory_unlock(4242)).
  pg::Connection hold_every_commit() {
    db_.owner().exec_script(
        "CREATE FUNCTION wait_for_the_test() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$; "
        "CREATE CONSTRAINT TRIGGER commit_waits AFTER INSERT ON ledger_entries DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION wait_for_the_test();");
    auto holder = db_.connect();
    holder.exec("SELECT pg_advisory_lock(4242)");
    return holder;
  }

  const std::string prefix_ = "walletctl-test:" + new_uuid() + ":";  // this test's keys only
  BalanceCache cache_{settings_.redis, prefix_};
};

TEST_F(BalanceCacheTest, ASlowFillRacingAWriteIsRefused) {
  const auto w = new_wallet("alice", 100);
  // A reader misses and reads PostgreSQL...
  const auto miss = cache_.lookup_wallet(w);
  ASSERT_FALSE(miss.json);
  ASSERT_TRUE(miss.epoch);
  const auto started = Clock::now();
  const auto before_write = wallets_.snapshot(w);
  ASSERT_EQ(before_write.wallet.balance.minor(), 100);
  // ...a write commits and is acknowledged meanwhile...
  Ledger(conn_, settings_, &cache_).apply_one(charge(w, 50));
  // ...and the reader's fill arrives late: naive cache-aside would now serve 100 for the TTL.
  EXPECT_FALSE(cache_.fill(*miss.epoch, before_write, started));
  EXPECT_EQ(cached_balance(w), std::nullopt);
  EXPECT_EQ(balance_through(cache_, w), 150);
  EXPECT_EQ(cached_balance(w), 150);  // the fresh read was stored
  const auto stats = cache_.stats();
  EXPECT_EQ(stats.fills_refused, 1U);
  EXPECT_EQ(stats.fills, 1U);
}

TEST_F(BalanceCacheTest, AWriteReplacesACachedCopyBeforeItIsAcknowledged) {
  const auto w = new_wallet("alice", 100);
  EXPECT_EQ(balance_through(cache_, w), 100);
  EXPECT_EQ(cached_balance(w), 100);
  Ledger(conn_, settings_, &cache_).apply_one(charge(w, 7));
  EXPECT_EQ(cached_balance(w), std::nullopt);  // a tombstone, not the old copy
  EXPECT_EQ(balance_through(cache_, w), 107);
}

TEST_F(BalanceCacheTest, AFillFromBeforeAnEpochChangeIsRefused) {
  const auto w = new_wallet("alice", 100);
  const auto miss = cache_.lookup_wallet(w);
  const auto started = Clock::now();
  const auto snapshot = wallets_.snapshot(w);
  cache_.forget_all();  // what a Redis failure or a gap in the change stream does
  EXPECT_EQ(balance_through(cache_, new_wallet("bob", 1)), 1);  // any call starts the new epoch
  EXPECT_FALSE(cache_.fill(*miss.epoch, snapshot, started));
  EXPECT_EQ(cache_.stats().epochs, 1U);
}

TEST_F(BalanceCacheTest, AWriterThatCannotReachRedisIsCoveredByTheChangeListener) {
  const auto w = new_wallet("alice", 100);
  daemon::WalletChangeListener listener(settings_, cache_);
  listener.start();
  EXPECT_EQ(balance_through(cache_, w), 100);
  ASSERT_EQ(cached_balance(w), 100);

  BalanceCache unreachable(unreachable_redis(), prefix_);
  Ledger(conn_, settings_, &unreachable).apply_one(charge(w, 50));  // committed; Redis not told
  EXPECT_GE(unreachable.stats().errors, 1U);

  // The trigger's notification reaches the listener, which tombstones the old copy.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (cached_balance(w) == 100 && Clock::now() < deadline) {
  }
  EXPECT_NE(cached_balance(w), 100);
  EXPECT_EQ(balance_through(cache_, w), 150);
}

// A writer whose tell before the commit timed out (Redis paused for longer than its 1 ms) does
// not acknowledge while Redis still holds the old copy: after the commit it waits for Redis and
// starts a new epoch. Before, the old copy stayed readable until a serve's change listener got
// round to the notification.
TEST_F(BalanceCacheTest, AWriterWhoseTellTimedOutMakesRedisForgetBeforeItAnswers) {
  const auto w = new_wallet("alice", 100);
  EXPECT_EQ(balance_through(cache_, w), 100);
  ASSERT_EQ(cached_balance(w), 100);
  auto impatient_config = settings_.redis;
  impatient_config.timeout_ms = 1;
  impatient_config.catch_up_timeout_ms = 5000;
  BalanceCache impatient(impatient_config, prefix_);
  auto admin = redis::Connection::open(settings_.redis.addr, std::chrono::milliseconds(1000));
  ASSERT_FALSE(admin.command({"CLIENT", "PAUSE", "300", "ALL"}).is_error());
  Ledger(conn_, settings_, &impatient).apply_one(charge(w, 50));
  EXPECT_GE(impatient.stats().errors, 1U);  // the tell before the commit timed out...
  EXPECT_EQ(impatient.stats().epochs, 1U);  // ...and the catch-up after it started a new epoch
  EXPECT_EQ(cached_balance(w), std::nullopt);
  EXPECT_EQ(balance_through(cache_, w), 150);
}

// The same writer, while another call of its process starts a new epoch between its failed tell
// and its commit (as another writer's catch-up would): a reader caches the uncommitted balance in
// that epoch, so the writer must start one of its own after its commit. Seen in CI: an API
// charge acknowledged, then read back one short.
TEST_F(BalanceCacheTest, AWriterWhoseTellTimedOutForgetsAfterItsOwnCommitNotBefore) {
  const auto w = new_wallet("alice", 100);
  EXPECT_EQ(balance_through(cache_, w), 100);
  auto impatient_config = settings_.redis;
  impatient_config.timeout_ms = 1;
  impatient_config.catch_up_timeout_ms = 5000;
  BalanceCache impatient(impatient_config, prefix_);
  auto holder = hold_every_commit();
  auto admin = redis::Connection::open(settings_.redis.addr, std::chrono::milliseconds(1000));
  ASSERT_FALSE(admin.command({"CLIENT", "PAUSE", "300", "ALL"}).is_error());
  auto writer_conn = db_.connect();
  std::thread writer([&] { Ledger(writer_conn, settings_, &impatient).apply_one(charge(w, 50)); });
  ASSERT_TRUE(someone_waits_for_a_lock());  // the tell timed out; the commit waits
  EXPECT_GE(impatient.stats().errors, 1U);
  EXPECT_TRUE(impatient.catch_up(0));          // another writer's catch-up: a new epoch
  EXPECT_EQ(balance_through(cache_, w), 100);  // a reader caches what is committed so far
  holder.exec("SELECT pg_advisory_unlock(4242)");
  writer.join();
  EXPECT_EQ(cached_balance(w), std::nullopt);  // the charge is acknowledged: no copy of 100
  EXPECT_EQ(balance_through(cache_, w), 150);
}

// A writer told Redis before its commit, and then another process starts a new epoch (after a
// failure of its own) while the commit is still to come: the writer's tombstone is of the old
// epoch, but it still says a newer version is coming, so a reader's fill of the committed-so-far
// balance in the new epoch is refused. Seen under load: a CLI charge acknowledged and read back
// one short, its tombstone forgotten with the epoch another CLI writer replaced.
TEST_F(BalanceCacheTest, ANewEpochDoesNotForgetTheTombstoneOfAWriteStillToCommit) {
  const auto w = new_wallet("alice", 100);
  EXPECT_EQ(balance_through(cache_, w), 100);
  auto holder = hold_every_commit();
  auto writer_conn = db_.connect();
  std::thread writer([&] { Ledger(writer_conn, settings_, &cache_).apply_one(charge(w, 50)); });
  ASSERT_TRUE(someone_waits_for_a_lock());  // told Redis; the commit waits
  BalanceCache other_process(settings_.redis, prefix_);
  other_process.forget_all();
  EXPECT_EQ(balance_through(other_process, w), 100);  // its first call starts a new epoch
  EXPECT_EQ(other_process.stats().epochs, 1U);
  EXPECT_EQ(balance_through(cache_, w), 100);  // what is committed so far, not cached
  EXPECT_EQ(cached_balance(w), std::nullopt);
  holder.exec("SELECT pg_advisory_unlock(4242)");
  writer.join();
  EXPECT_EQ(balance_through(cache_, w), 150);
}

// The cache is told before the commit, so a writer that dies right after its commit leaves no
// old copy behind. Here every commit waits at an advisory lock the test holds.
TEST_F(BalanceCacheTest, TheOldCopyIsGoneBeforeTheWriteCommits) {
  const auto w = new_wallet("alice", 100);
  EXPECT_EQ(balance_through(cache_, w), 100);
  ASSERT_EQ(cached_balance(w), 100);
  auto holder = hold_every_commit();
  auto writer_conn = db_.connect();
  std::thread writer([&] { Ledger(writer_conn, settings_, &cache_).apply_one(charge(w, 50)); });
  ASSERT_TRUE(someone_waits_for_a_lock());
  EXPECT_EQ(cached_balance(w), std::nullopt);  // a tombstone, while the commit has not happened
  EXPECT_EQ(balance_through(cache_, w), 100);  // a reader meanwhile gets what is committed...
  EXPECT_EQ(cached_balance(w), std::nullopt);  // ...and cannot cache it over the tombstone
  holder.exec("SELECT pg_advisory_unlock(4242)");
  writer.join();
  EXPECT_EQ(balance_through(cache_, w), 150);
}

// NOTIFY holds a lock through each commit's flush, so a writer that told Redis itself sends
// none; a writer without a cache is still covered by the trigger.
TEST_F(BalanceCacheTest, OnlyWritersThatDidNotTellRedisNotify) {
  const auto told = new_wallet("alice", 100);
  const auto untold = new_wallet("bob", 100);
  auto listener = db_.connect();
  signals::listen(listener, signals::kWalletChannel);
  Ledger(conn_, settings_, &cache_).apply_one(charge(told, 1));
  Ledger(conn_, settings_, nullptr).apply_one(charge(untold, 1));
  // Notifications arrive in commit order: the first is the second write's.
  std::vector<std::string> payloads;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (payloads.empty() && Clock::now() < deadline) {
    pollfd fd{listener.socket(), POLLIN, 0};
    ::poll(&fd, 1, 100);
    payloads = listener.take_notifications();
  }
  ASSERT_FALSE(payloads.empty());
  const auto changes = signals::parse_wallet_changes(payloads.front());
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes.front().wallet_id, untold);
  EXPECT_EQ(changes.front().version, wallets_.get(untold).version);
}

TEST_F(BalanceCacheTest, UnreachableRedisMeansPostgresReadsAndAnOpenBreaker) {
  const auto w = new_wallet("alice", 100);
  BalanceCache unreachable(unreachable_redis(2), prefix_);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(balance_through(unreachable, w), 100);
  Ledger(conn_, settings_, &unreachable).apply_one(charge(w, 1));  // not refused for the cache's sake
  EXPECT_EQ(balance_through(unreachable, w), 101);
  const auto stats = unreachable.stats();
  EXPECT_EQ(stats.errors, 2U);  // two failures opened the breaker...
  // ...and nothing waited on Redis after them: three reads, the charge's tell and its
  // catch-up after the commit, the last read.
  EXPECT_EQ(stats.bypassed, 6U);
  EXPECT_EQ(stats.breaker, CircuitBreaker::State::kOpen);
  EXPECT_EQ(stats.hits, 0U);
}

TEST_F(BalanceCacheTest, UserLookupsShareTheWalletCopy) {
  const auto w = new_wallet("carol", 40);
  const auto load = [&] { return wallets_.snapshot_by_user("carol", "USD"); };
  EXPECT_EQ(nlohmann::json::parse(cache_.user_wallet_json("carol", "USD", load)).at("id"), w);
  const auto found = cache_.lookup_user_wallet("carol", "USD");
  ASSERT_TRUE(found.json);
  EXPECT_EQ(found.wallet_id, w);
  Ledger(conn_, settings_, &cache_).apply_one(charge(w, 2));
  EXPECT_FALSE(cache_.lookup_user_wallet("carol", "USD").json);
  EXPECT_EQ(nlohmann::json::parse(cache_.user_wallet_json("carol", "USD", load)).at("balance"), 42);
}

}  // namespace
}  // namespace wallet::testing
