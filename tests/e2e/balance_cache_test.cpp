// The balance cache seen through the API of a real `walletctl serve` with the stack's Redis:
// reads never older than an acknowledged write, whichever path wrote (API, CLI, another
// daemon), and held funds released on time with no write.
#include <atomic>
#include <mutex>
#include <thread>

#include "core/timestamp.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using namespace std::chrono_literals;
const std::string kHits = "walletctl_cache_lookups_total{result=\"hit\"}";

class BalanceCacheE2ETest : public HttpFixture {
 protected:
  void stale(const std::string& what) {
    ++stale_reads_;
    std::lock_guard lock(mutex_);
    if (first_stale_.empty()) first_stale_ = what;
  }
  std::atomic<int> stale_reads_{0}, failed_requests_{0};
  std::mutex mutex_;
  std::string first_stale_;
};

// 16 writers, each with its own wallet: 12 charge through the API, 4 through the CLI, and each
// reads its wallet back through the API (by id and by user) after every acknowledged charge.
// Four readers read every wallet meanwhile and compare with the last acknowledged balance.
TEST_F(BalanceCacheE2ETest, ReadsAreNeverOlderThanTheLastAcknowledgedWrite) {
  constexpr int kApiWriters = 12, kCliWriters = 4, kReaders = 4;
  constexpr int kApiRounds = 250, kCliRounds = 25;
  constexpr int kWriters = kApiWriters + kCliWriters;
  std::vector<std::string> wallets;
  for (int i = 0; i < kWriters; ++i) wallets.push_back(create_wallet("rw-" + std::to_string(i)));
  std::vector<std::atomic<std::int64_t>> acknowledged(kWriters);
  std::atomic<bool> writing{true};
  std::atomic<long> reader_reads{0};

  const auto read_back = [&](httplib::Client& http, int i, std::int64_t expected, bool by_user) {
    const auto path = by_user ? "/balance/rw-" + std::to_string(i) : "/wallets/" + wallets[i];
    const auto r = to_reply(http.Get(path));
    if (r.status != 200) return void(++failed_requests_);
    const auto balance = r.body.value(by_user ? "total" : "balance", std::int64_t{-1});
    if (balance != expected) {
      stale(path + " answered " + std::to_string(balance) + " after charge " + std::to_string(expected));
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kApiWriters; ++i) {
    threads.emplace_back([&, i] {
      auto http = server_.client();
      for (int round = 1; round <= kApiRounds; ++round) {
        const auto r =
            http->Post("/charge", nlohmann::json{{"wallet_id", wallets[i]}, {"amount", 1}}.dump(), "application/json");
        if (!r || r->status != 201) return void(++failed_requests_);
        acknowledged[i] = round;
        read_back(*http, i, round, round % 2 == 0);
      }
    });
  }
  for (int i = kApiWriters; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      auto http = server_.client();
      for (int round = 1; round <= kCliRounds; ++round) {
        const auto r = run_process({walletctl_path(), "charge", wallets[i], "1"}, {{"DATABASE_URL", db_.url()}});
        if (r.exit_code != 0) return void(++failed_requests_);
        acknowledged[i] = round;
        read_back(*http, i, round, round % 2 == 0);
      }
    });
  }
  std::vector<std::thread> readers;
  for (int k = 0; k < kReaders; ++k) {
    readers.emplace_back([&, k] {
      auto http = server_.client();
      for (int n = k; writing; ++n) {
        const int i = n % kWriters;
        const auto floor = acknowledged[i].load();
        const auto r = to_reply(http->Get("/wallets/" + wallets[i]));
        ++reader_reads;
        if (r.status != 200) return void(++failed_requests_);
        if (r.body.value("balance", std::int64_t{-1}) < floor) {
          stale("reader saw " + r.body.dump() + " after charge " + std::to_string(floor));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  writing = false;
  for (auto& t : readers) t.join();

  EXPECT_EQ(failed_requests_, 0);
  EXPECT_EQ(stale_reads_, 0) << first_stale_;
  EXPECT_GT(reader_reads, 1000);
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_EQ(balance_via_cli(wallets[i]), i < kApiWriters ? kApiRounds : kCliRounds);
  }
  EXPECT_GT(metric(kHits), 1000);  // the reads were served by the cache, not around it
}

TEST_F(BalanceCacheE2ETest, AWriteThroughAnotherDaemonIsReadAtOnce) {
  ServerProcess other(db_.url(), {"withdrawals.enabled=false"});
  auto other_http = other.client();
  const auto w = funded_wallet("two-daemons", 10);
  for (int i = 1; i <= 100; ++i) {
    ASSERT_EQ(balance(w), 10 + i - 1);  // a miss after the last write: filled here...
    ASSERT_EQ(balance(w), 10 + i - 1);  // ...and served from the cache
    const auto r =
        other_http->Post("/charge", nlohmann::json{{"wallet_id", w}, {"amount", 1}}.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 201);
  }
  EXPECT_EQ(balance(w), 110);
  EXPECT_GT(metric(kHits), 90);
}

// No write happens between the charge and the reads after its release time: only the clock
// moves. Reads that end before the release show the funds held; reads sent after it, released.
TEST_F(BalanceCacheE2ETest, AHeldChargeBecomesAvailableAtItsReleaseTime) {
  const auto w = funded_wallet("holder", 100);
  const auto release = std::chrono::system_clock::now() + 2s;
  const auto release_at = format_rfc3339(std::chrono::time_point_cast<std::chrono::microseconds>(release));
  ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 50}, {"release_at", release_at}}).status, 201);
  const double hits_before = metric(kHits);
  int before = 0, after = 0;
  while (std::chrono::system_clock::now() < release + 1500ms) {
    const auto sent = std::chrono::system_clock::now();
    const auto r = get("/wallets/" + w);
    const auto answered = std::chrono::system_clock::now();
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body["balance"], 150);
    if (answered < release) {
      ++before;
      ASSERT_EQ(r.body["available"], 100) << "funds released early";
      ASSERT_EQ(r.body["held"], 50);
    } else if (sent > release) {
      ++after;
      ASSERT_EQ(r.body["available"], 150) << "held funds served past their release time";
      ASSERT_EQ(r.body["held"], 0);
    }
  }
  EXPECT_GT(before, 10);
  EXPECT_GT(after, 10);
  EXPECT_GT(metric(kHits) - hits_before, 10);  // the copy with held funds was served from Redis
}

}  // namespace
}  // namespace wallet::testing
