// Reads from a standby (database.read_url) against the formation of `scripts/stack up --ha`,
// whose DATABASE_URL names both nodes: scripts/test runs these in its failover phase. The
// standby's replay is paused to make it fall behind at will.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/api_keys.hpp"
#include "tests/support/http_fixture.hpp"

namespace wallet::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kReadWrite = "target_session_attrs=read-write";
constexpr int kMaxLagMs = 300;

// The same URL, asking for a standby instead of the primary.
std::string standby_of(std::string url) {
  const auto at = url.find(kReadWrite);
  if (at == std::string::npos) return "";
  return url.replace(at, std::string(kReadWrite).size(), "target_session_attrs=standby");
}

class ReadUrlOnFormationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!on_formation()) GTEST_SKIP() << "needs the formation: eval \"$(scripts/stack up --ha)\" first";
    db_.emplace();
    server_.emplace(db_->url(), std::vector<std::string>{"withdrawals.enabled=false", "redis.enabled=false",
                                                        "database.read_url=" + standby_of(db_->url()),
                                                        "database.max_read_lag_ms=" + std::to_string(kMaxLagMs)});
    ann_ = server_->client();
    bob_ = server_->client();
    auto conn = db_->connect();
    bob_->set_bearer_token_auth(ApiKeyStore(conn).create("bob", ApiScope::kAdmin, std::nullopt).secret);
  }
  void TearDown() override {
    if (standby_admin_) standby_admin_->exec("SELECT pg_wal_replay_resume()");
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log().substr(0, 20000) << '\n';
  }

  // The standby stops applying WAL: everything committed from now on is missing there.
  void pause_replay() {
    standby_admin_.emplace(pg::Connection::open(standby_of(db_->admin_url()), 10));
    standby_admin_->exec("SELECT pg_wal_replay_pause()");
    for (int i = 0; i < 500 && standby_admin_->exec("SELECT pg_get_wal_replay_pause_state()").str(0, 0) != "paused";
         ++i) {
      std::this_thread::sleep_for(10ms);  // the pace of polling the standby's state
    }
    ASSERT_EQ(standby_admin_->exec("SELECT pg_get_wal_replay_pause_state()").str(0, 0), "paused");
  }

  long reads_from(const std::string& where) {
    const auto text = to_reply(ann_->Get("/metrics")).text;
    const std::string name = "walletctl_reads_total{from=\"" + where + "\"} ";
    const auto at = text.find(name);
    return at == std::string::npos ? -1 : std::stol(text.substr(at + name.size()));
  }
  std::string charge(httplib::Client& client, std::int64_t amount) {
    const auto r = to_reply(client.Post("/charge", json{{"user_id", "ann"}, {"amount", amount}}.dump(), "application/json"));
    EXPECT_EQ(r.status, 201) << r.text;
    return r.body.value("destination_wallet_id", "");
  }
  std::size_t history_size(const std::string& wallet) {
    const auto r = to_reply(ann_->Get("/wallets/" + wallet + "/transactions"));
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body.contains("items") ? r.body["items"].size() : 0;
  }
  std::int64_t balance(const std::string& wallet) {
    const auto r = to_reply(ann_->Get("/wallets/" + wallet));
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body.value("balance", std::int64_t{-1});
  }

  std::optional<TestDatabase> db_;
  std::optional<ServerProcess> server_;
  std::unique_ptr<httplib::Client> ann_, bob_;  // two API keys: two callers
  std::optional<pg::Connection> standby_admin_;
};

TEST_F(ReadUrlOnFormationTest, AStandbyThatKeepsUpServesReadsAndOneThatFallsBehindNever) {
  const auto wallet = charge(*ann_, 100);
  // Caught up, the standby takes reads; each shows the caller's own charge.
  const auto deadline = Clock::now() + 10s;
  while (reads_from("standby") < 1 && Clock::now() < deadline) ASSERT_EQ(history_size(wallet), 1u);
  ASSERT_GE(reads_from("standby"), 1) << "no read was served by the standby within 10 s";

  ASSERT_NO_FATAL_FAILURE(pause_replay());
  // Read-your-writes: ann reads her charge at once, though the standby cannot have it.
  charge(*ann_, 50);
  EXPECT_EQ(history_size(wallet), 2u);
  EXPECT_EQ(balance(wallet), 150);
  // Bounded staleness: bob's charge, which ann did not make, shows to her once max_read_lag_ms
  // (and a sampling period) has passed, though the standby will never have it.
  charge(*bob_, 25);
  std::this_thread::sleep_until(Clock::now() + std::chrono::milliseconds(kMaxLagMs + 200));  // the bound itself
  const auto from_primary = reads_from("primary");
  EXPECT_EQ(history_size(wallet), 3u);
  EXPECT_EQ(balance(wallet), 175);
  EXPECT_GE(reads_from("primary"), from_primary + 2);

  // Replaying again, the standby takes reads again.
  standby_admin_->exec("SELECT pg_wal_replay_resume()");
  const auto from_standby = reads_from("standby");
  const auto again = Clock::now() + 10s;
  while (reads_from("standby") == from_standby && Clock::now() < again) ASSERT_EQ(history_size(wallet), 3u);
  EXPECT_GT(reads_from("standby"), from_standby) << "the standby took no read within 10 s of resuming";
}

}  // namespace
}  // namespace wallet::testing
