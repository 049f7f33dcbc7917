// PostgreSQL stopped under a running server: requests get 503 quickly, and service resumes by
// itself once the database is back; RabbitMQ stopped: every event still arrives; `walletctl
// notify` outlasts both. Restarts the stack's services, so it runs alone.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "core/outbox.hpp"
#include "daemon/events/event_consumers.hpp"
#include "tests/support/event_collector.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

class HttpOutageTest : public HttpFixture {
 protected:
  // Every API key lookup goes to the database, so the outage shows in authentication too.
  HttpOutageTest() : HttpFixture({"auth.key_cache_ms=0"}) {}
  static void stack(const char* action, const char* service = "postgres") {
    const auto r = run_stack(action, service);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // Whether notify prints `line`. Other tests' events share the queue and may come first: waits
  // for this line, bounded.
  static bool told(ServerProcess& notify, const std::string& line) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (const auto next = notify.next_stdout_line(std::chrono::milliseconds(500)); next && *next == line) return true;
    }
    return false;
  }
  // Starts the services again however the test ends, so the tests after it find them up.
  ~HttpOutageTest() override {
    stack("start", "postgres");
    stack("start", "rabbitmq");
  }
};

TEST_F(HttpOutageTest, PostgresDownMeans503ThenServiceResumes) {
  const auto w = funded_wallet("alice", 100);
  stack("stop");
  const auto start = std::chrono::steady_clock::now();
  const auto charge = post("/charge", {{"wallet_id", w}, {"amount", 5}});
  EXPECT_EQ(charge.status, 503) << charge.text;
  EXPECT_EQ(charge.body.value("code", ""), "unavailable");
  EXPECT_EQ(charge.text.find("postgresql://"), std::string::npos);  // no internal addresses
  EXPECT_EQ(get("/wallets/" + w).status, 503);
  // Readiness is refreshed every second in the background; an anonymous caller learns nothing
  // of the database (it was told "cannot connect to PostgreSQL at postgresql://...").
  const auto not_ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (get("/readyz").status != 503 && std::chrono::steady_clock::now() < not_ready_by) {
  }
  httplib::Client anonymous("127.0.0.1", server_.port());
  const auto ready = to_reply(anonymous.Get("/readyz"));
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, nlohmann::json({{"status", "unavailable"}})) << ready.text;
  const auto health = get("/health");
  // A key is trusted unchecked through an outage for at most auth.key_cache_ms (0 here): this
  // one cannot be checked, so even /health is refused, with the outage's 503.
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body.value("code", ""), "unavailable") << health.text;
  EXPECT_EQ(get("/healthz").status, 200);  // alive, just not ready
  // Answered at once (connection refused), not after a hang.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  stack("start");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (get("/readyz").status != 200 && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_EQ(get("/readyz").status, 200);
  EXPECT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 5}}).status, 201);
  EXPECT_EQ(balance(w), 105);  // the refused charge left nothing behind
}

TEST_F(HttpOutageTest, RabbitMqStoppedThenStartedEveryEventArrives) {
  // A durable queue keeps what is published while this test is not looking.
  EventCollector collector("walletctl-outage-test");
  const auto w = funded_wallet("alice", 1000);
  stack("stop", "rabbitmq");
  // The API keeps working; events wait in the outbox.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 1}}).status, 201);
  EXPECT_EQ(get("/health").body["checks"]["rabbitmq"]["status"], "down");
  {
    auto conn = db_.connect();
    EXPECT_GT(outbox_status(conn).unpublished, 0);
  }
  stack("start", "rabbitmq");
  auto conn = db_.connect();
  static constexpr const char* kTransactions = "SELECT count(*) FROM transactions";
  const auto expected = static_cast<std::size_t>(conn.exec(kTransactions).int64(0, 0));
  const bool all = collector.wait_until(
      [&](const std::vector<CollectedEvent>& events) {
        std::set<std::string> ids;
        for (const auto& e : events) {
          const auto body = nlohmann::json::parse(e.body, nullptr, false);
          if (body.is_object() && body.value("type", "") == "charge.completed" &&
              body["data"].value("destination_wallet_id", "") == w) {
            ids.insert(e.message_id);
          }
        }
        return ids.size() == expected;
      },
      std::chrono::seconds(60));
  EXPECT_TRUE(all);
  // A batch is marked published once the broker confirmed it, which may come after delivery.
  const auto marked_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (outbox_status(conn).unpublished != 0 && std::chrono::steady_clock::now() < marked_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a condition, bounded
  }
  EXPECT_EQ(outbox_status(conn).unpublished, 0);
}

TEST_F(HttpOutageTest, NotifyOutlastsRestartsOfPostgresAndRabbitMq) {
  ServerProcess notify(db_.url(), {}, "notify");  // its queue exists before any event below
  const auto w = funded_wallet("nora", 100);
  EXPECT_TRUE(told(notify, "notify nora: you received 1.00 USD (top-up)"));

  stack("stop");
  stack("start");
  const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (get("/readyz").status != 200 && std::chrono::steady_clock::now() < ready_by) {
  }
  ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 234}}).status, 201);
  // Its database connection died with the restart: it reconnects and tells this one too.
  EXPECT_TRUE(told(notify, "notify nora: you received 2.34 USD (top-up)")) << notify.log();

  stack("stop", "rabbitmq");
  ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 345}}).status, 201);
  stack("start", "rabbitmq");
  EXPECT_TRUE(told(notify, "notify nora: you received 3.45 USD (top-up)")) << notify.log();

  EXPECT_EQ(notify.wait_exit(std::chrono::milliseconds(0)), -1) << "notify exited: " << notify.log();
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(std::chrono::seconds(10)), 0);
  // Leave the shared broker as we found it: no durable queue collecting other tests' events.
  AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000))
      .delete_queue(daemon::notify_queues(Settings{}).queue);
}

// The broker's node stopped (SIGSTOP) as a frozen machine or a cut network would leave it: its
// TCP connections stay open and say nothing. Resumed however the test ends.
class FrozenBroker {
 public:
  FrozenBroker() {
    std::ifstream pid_file(source_dir() + "/.stack/rabbitmq/rabbitmq.pid");
    pid_file >> pid_;
    EXPECT_GT(pid_, 0) << "no RabbitMQ pid file";
    if (pid_ > 0) {
      EXPECT_EQ(kill(pid_, SIGSTOP), 0);
    }
  }
  ~FrozenBroker() {
    if (pid_ > 0) kill(pid_, SIGCONT);
  }

 private:
  int pid_ = 0;
};

// Without heartbeats, notify waited on a frozen broker for ever (its reads simply timed out).
// With them it notices within two heartbeats, reconnects once the broker is back, and tells
// what happened meanwhile.
TEST_F(HttpOutageTest, NotifyNoticesAFrozenBrokerByItsHeartbeats) {
  ServerProcess notify(db_.url(), {"rabbitmq.heartbeat_seconds=1"}, "notify");
  const auto w = funded_wallet("fred", 100);
  EXPECT_TRUE(told(notify, "notify fred: you received 1.00 USD (top-up)"));
  {
    FrozenBroker frozen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (notify.log().find("notify lost a service") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polls notify's log
    }
    EXPECT_NE(notify.log().find("notify lost a service"), std::string::npos) << notify.log();
  }
  ASSERT_EQ(post("/charge", {{"wallet_id", w}, {"amount", 200}}).status, 201);
  EXPECT_TRUE(told(notify, "notify fred: you received 2.00 USD (top-up)")) << notify.log();
  notify.send_signal(SIGTERM);
  EXPECT_EQ(notify.wait_exit(std::chrono::seconds(10)), 0);
  AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000))
      .delete_queue(daemon::notify_queues(Settings{}).queue);
}

}  // namespace
}  // namespace wallet::testing
