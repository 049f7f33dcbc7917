// Redis killed or frozen under a running server: no request fails, reads go to PostgreSQL, the
// breaker stops the waiting, and once Redis is back (with what its append-only file kept from
// before) nothing it held is served stale. Kills and pauses the stack's Redis, so it runs alone.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "tests/support/http_fixture.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using Clock = std::chrono::steady_clock;
const std::string kHits = "walletctl_cache_lookups_total{result=\"hit\"}";
const std::string kErrors = "walletctl_cache_errors_total";
const std::string kBypassed = "walletctl_cache_bypassed_total";
const std::string kBreaker = "walletctl_cache_breaker_state";

class CacheOutageTest : public HttpFixture {
 protected:
  static ProcessResult redis_cli(const std::vector<std::string>& words) {
    const auto addr = required_env("REDIS_ADDR");
    std::vector<std::string> argv{"/usr/bin/redis-cli", "-p", addr.substr(addr.rfind(':') + 1)};
    argv.insert(argv.end(), words.begin(), words.end());
    return run_process(argv);
  }
  // SIGKILL, as a crash would: no final save beyond what the append-only file already has.
  static void kill_redis() {
    std::ifstream pid_file(source_dir() + "/.stack/redis/redis.pid");
    int pid = 0;
    ASSERT_TRUE(pid_file >> pid) << "no Redis pid file";
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (kill(pid, 0) == 0 && Clock::now() < deadline) std::this_thread::yield();
    ASSERT_NE(kill(pid, 0), 0) << "Redis survived SIGKILL";
  }
  static void start_redis() {
    const auto r = run_stack("start", "redis");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // Waits until `done` or the deadline; returns `done`.
  template <class Condition>
  static bool eventually(Condition done, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) std::this_thread::yield();
    return done();
  }
};

TEST_F(CacheOutageTest, RedisKilledMidLoadFailsNoRequestAndServesNothingStaleAfterRestart) {
  constexpr int kThreads = 6;
  std::vector<std::string> busy, quiet;
  for (int i = 0; i < kThreads; ++i) busy.push_back(create_wallet("busy-" + std::to_string(i)));
  // Quiet wallets are cached before the kill, charged only while Redis is down and read after
  // it is back: the append-only file brings their old copies back with it.
  for (int i = 0; i < 4; ++i) {
    quiet.push_back(funded_wallet("quiet-" + std::to_string(i), 10));
    ASSERT_EQ(balance(quiet.back()), 10);
    ASSERT_EQ(balance(quiet.back()), 10);
  }
  std::atomic<bool> running{true};
  std::atomic<int> operations{0}, failed{0}, stale{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto http = server_.client();
      for (std::int64_t expected = 1; running; ++expected) {
        const auto r =
            http->Post("/charge", nlohmann::json{{"wallet_id", busy[i]}, {"amount", 1}}.dump(), "application/json");
        if (!r || r->status != 201) return void(++failed);
        for (int n = 0; n < 2; ++n) {  // a miss after the write, then a hit while Redis is up
          const auto read = to_reply(http->Get("/wallets/" + busy[i]));
          if (read.status != 200) return void(++failed);
          if (read.body.value("balance", std::int64_t{-1}) != expected) ++stale;
        }
        ++operations;
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return operations >= 300 || failed > 0; }));
  kill_redis();
  const int at_kill = operations;
  ASSERT_TRUE(eventually([&] { return operations >= at_kill + 300 || failed > 0; }));
  for (const auto& w : quiet) ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 5}}).status, 201);
  start_redis();
  const double hits_at_restart = metric(kHits);
  // The cache serves again once the breaker's trial call succeeds.
  EXPECT_TRUE(eventually([&] { return metric(kHits) > hits_at_restart + 100 || failed > 0; }));
  running = false;
  for (auto& t : threads) t.join();

  EXPECT_EQ(failed, 0);
  EXPECT_EQ(stale, 0);
  for (const auto& w : quiet) {
    EXPECT_EQ(balance(w), 15);  // not the copy of 10 the append-only file restored
    EXPECT_EQ(balance(w), 15);
  }
  EXPECT_GT(metric(kErrors), 0);
  auto conn = db_.connect();
  for (const auto& w : busy) EXPECT_EQ(balance(w), balance_via_cli(w));
}

TEST_F(CacheOutageTest, AFrozenRedisIsNotWaitedOn) {
  const auto w = funded_wallet("frozen", 100);
  ASSERT_EQ(balance(w), 100);
  ASSERT_EQ(balance(w), 100);
  // Every command of every client waits for 5 s (CLIENT UNPAUSE too, so the pause just ends).
  ASSERT_EQ(redis_cli({"CLIENT", "PAUSE", "5000", "ALL"}).exit_code, 0);
  const double errors_before = metric(kErrors), bypassed_before = metric(kBypassed);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(balance(w), 100);
  ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 1}}).status, 201);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(balance(w), 101);
  // A few calls timed out, then the breaker kept the rest from waiting on Redis.
  EXPECT_EQ(metric(kBreaker), 1);
  EXPECT_LE(metric(kErrors) - errors_before, 10);
  EXPECT_GE(metric(kBypassed) - bypassed_before, 180);

  const double hits = metric(kHits);
  EXPECT_TRUE(eventually([&] { return balance(w) == 101 && metric(kHits) > hits + 10; }));
  EXPECT_EQ(metric(kBreaker), 0);
  EXPECT_EQ(balance(w), 101);
}

}  // namespace
}  // namespace wallet::testing
