// The HTTP API under concurrency: no overdraft, no 5xx, one effect per idempotency key, and a
// graceful stop while requests are in flight.
#include <signal.h>

#include <latch>
#include <random>
#include <thread>

#include "tests/support/http_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class HttpLoadTest : public HttpFixture {
 protected:
  // Runs `threads` workers, each with its own keep-alive client, all released at once.
  void run_parallel(int threads, const std::function<void(int, httplib::Client&)>& work) {
    std::latch start(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        auto client = server_.client();
        start.arrive_and_wait();
        work(t, *client);
      });
    }
    for (auto& th : pool) th.join();
  }
  static HttpReply post_with(httplib::Client& c, const std::string& path, const json& body,
                             const httplib::Headers& headers = {}) {
    return to_reply(c.Post(path, headers, body.dump(), "application/json"));
  }
  std::int64_t metric(const std::string& name) {
    const auto text = get("/metrics").text;
    const auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
  }
};

TEST_F(HttpLoadTest, FiftyConcurrentTransfersOfOneFromAThousand) {
  const auto from = funded_wallet("payer", 1000), to = create_wallet("payee");
  std::atomic<int> created{0};
  run_parallel(50, [&](int, httplib::Client& c) {
    const auto r = post_with(c, "/transfers", {{"sender_id", from}, {"receiver_id", to}, {"amount", 1}});
    if (r.status == 201) ++created;
  });
  EXPECT_EQ(created, 50);
  EXPECT_EQ(balance(from), 950);
  EXPECT_EQ(balance(to), 50);
}

TEST_F(HttpLoadTest, ConcurrentIdenticalRequestsWithOneKeyTakeEffectOnce) {
  const auto w = create_wallet("alice");
  std::vector<HttpReply> replies(16);
  run_parallel(16, [&](int t, httplib::Client& c) {
    replies[static_cast<std::size_t>(t)] =
        post_with(c, "/charge", {{"wallet_id", w}, {"amount", 70}}, {{"Idempotency-Key", "same-key"}});
  });
  int fresh = 0;
  for (const auto& r : replies) {
    EXPECT_EQ(r.status, 201) << r.text;
    EXPECT_EQ(r.text, replies[0].text);
    if (r.header("Idempotent-Replayed").empty()) ++fresh;
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(balance(w), 70);
}

TEST_F(HttpLoadTest, MixedTrafficFromThirtyTwoClientsNeverFailsAndAuditPasses) {
  constexpr int kThreads = 32, kRequests = 5000, kUsers = 40;
  std::vector<std::string> wallets;
  for (int u = 0; u < kUsers; ++u) wallets.push_back(funded_wallet("user-" + std::to_string(u), 10'000));
  std::atomic<int> server_errors{0}, no_reply{0}, ok{0}, refused{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  run_parallel(kThreads, [&](int t, httplib::Client& c) {
    std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1u);
    const auto pick = [&] { return wallets[rng() % wallets.size()]; };
    for (int i = t; i < kRequests; i += kThreads) {
      HttpReply r;
      const auto amount = static_cast<std::int64_t>(rng() % 500 + 1);
      const std::string key = "k-" + std::to_string(rng() % 2000);  // some keys repeat: replays and conflicts
      switch (rng() % 8) {
        case 0:
          r = post_with(c, "/wallets", {{"user_id", "new-" + std::to_string(t) + "-" + std::to_string(i)}});
          break;
        case 1:
          r = post_with(c, "/charge", {{"wallet_id", pick()}, {"amount", amount}}, {{"Idempotency-Key", key}});
          break;
        case 2:
        case 3: {
          const auto a = pick(), b = pick();
          r = post_with(c, "/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", amount}});
          if (r.status == 201) r = post_with(c, "/transfers", {{"sender_id", b}, {"receiver_id", a}, {"amount", 1}});
          break;
        }
        case 4:
          r = post_with(c, "/withdraw", {{"wallet_id", pick()}, {"amount", amount}});
          break;
        case 5:
          r = to_reply(c.Get("/wallets/" + pick()));
          break;
        case 6:
          r = to_reply(c.Get("/balance/user-" + std::to_string(rng() % kUsers)));
          break;
        default:
          r = to_reply(c.Get("/wallets/" + pick() + "/transactions?limit=20"));
      }
      if (r.status == 0) {
        ++no_reply;
      } else if (r.status >= 500) {
        ++server_errors;
        std::lock_guard lock(failures_mutex);
        failures.push_back(r.text);
      } else if (r.status < 300) {
        ++ok;
      } else {
        ++refused;  // insufficient funds, same wallet, key conflicts: expected refusals
      }
    }
  });
  EXPECT_EQ(server_errors, 0) << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(no_reply, 0);
  EXPECT_EQ(ok + refused, kRequests);
  EXPECT_GT(ok, kRequests / 2);
  const auto audit = run_process({walletctl_path(), "audit"}, {{"DATABASE_URL", db_.url()}});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

// Transfers blocked on a row lock held by the test are in flight when SIGTERM arrives: the
// server stops accepting, lets them finish once the lock is released, and exits 0.
TEST_F(HttpLoadTest, SigtermLetsInFlightRequestsFinish) {
  const auto from = funded_wallet("payer", 100), to = create_wallet("payee");
  auto blocker = db_.connect();
  static constexpr const char* kBegin = "BEGIN";
  static constexpr const char* kLock = "SELECT id FROM wallets WHERE id = $1 FOR UPDATE";
  static constexpr const char* kCommit = "COMMIT";
  blocker.exec(kBegin);
  blocker.exec(kLock, {from});

  constexpr int kBlocked = 4;
  std::vector<HttpReply> replies(kBlocked);
  std::vector<std::thread> senders;
  for (int i = 0; i < kBlocked; ++i) {
    senders.emplace_back([&, i] {
      auto c = server_.client();
      replies[static_cast<std::size_t>(i)] =
          post_with(*c, "/transfers", {{"sender_id", from}, {"receiver_id", to}, {"amount", 10}});
    });
  }
  // In flight: the blocked transfers plus the metrics request asking.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (metric("walletctl_http_requests_in_flight") < kBlocked + 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(metric("walletctl_http_requests_in_flight"), kBlocked + 1);

  server_.send_signal(SIGTERM);
  // Not exited: it is waiting for the blocked requests.
  EXPECT_EQ(server_.wait_exit(std::chrono::milliseconds(300)), -1);
  blocker.exec(kCommit);
  for (auto& s : senders) s.join();
  EXPECT_EQ(server_.wait_exit(std::chrono::seconds(15)), 0) << server_.log();
  for (const auto& r : replies) EXPECT_EQ(r.status, 201) << r.text;
  EXPECT_EQ(balance_via_cli(from), 100 - kBlocked * 10);
}

// A request that cannot finish does not keep a stopping server alive past its deadline.
class HttpShutdownDeadlineTest : public HttpFixture {
 protected:
  HttpShutdownDeadlineTest() : HttpFixture({"http.shutdown_timeout=1"}) {}
};

TEST_F(HttpShutdownDeadlineTest, ServerExitsAtTheDeadlineWhenARequestIsStuck) {
  const auto from = funded_wallet("payer", 100), to = create_wallet("payee");
  auto blocker = db_.connect();
  static constexpr const char* kBegin = "BEGIN";
  static constexpr const char* kLock = "SELECT id FROM wallets WHERE id = $1 FOR UPDATE";
  blocker.exec(kBegin);
  blocker.exec(kLock, {from});
  std::thread stuck([&] {
    auto c = server_.client();
    c->Post("/transfers", json{{"sender_id", from}, {"receiver_id", to}, {"amount", 10}}.dump(), "application/json");
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (get("/metrics").text.find("walletctl_http_requests_in_flight 2") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  server_.send_signal(SIGTERM);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server_.wait_exit(std::chrono::seconds(10)), 1);  // forced: not a clean stop
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(server_.log().find("shutdown deadline passed"), std::string::npos);
  stuck.join();
  static constexpr const char* kRollback = "ROLLBACK";
  blocker.exec(kRollback);
  EXPECT_EQ(balance_via_cli(from), 100);  // the cut-off transfer never committed
}

}  // namespace
}  // namespace wallet::testing
