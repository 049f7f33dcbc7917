// number_sync_standbys = 1 on the formation of `scripts/stack up --ha` (a primary and two
// standbys): an acknowledged write is on two machines. With both standbys lost, the primary must
// not go on alone (pg_auto_failover's default of 0 would, once its monitor saw them unhealthy):
// a charge stays unanswered, and is acknowledged once, under its key, when a standby returns.
// scripts/test runs this in its failover phase.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/pg/connection.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/process.hpp"

namespace wallet::testing {
namespace {

using json = nlohmann::json;

void stack(const std::string& action, const std::string& service) {
  const auto r = run_stack(action, service);
  ASSERT_EQ(r.exit_code, 0) << "scripts/stack " << action << " " << service << ": " << r.err;
}

class SyncStandbysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!on_formation()) GTEST_SKIP() << "needs the formation: eval \"$(scripts/stack up --ha)\" first";
    db_.emplace();
    server_.emplace(db_->url(), std::vector<std::string>{"withdrawals.enabled=false", "redis.enabled=false"});
  }
  void TearDown() override {
    if (lost_) stack("start", "postgres");  // the formation whole again for the next test
    if (HasFailure() && server_) std::cerr << "--- server log ---\n" << server_->log().substr(0, 20000) << '\n';
  }

  httplib::Result charge(const std::string& key, int read_timeout_s) {
    auto client = server_->client();
    client->set_read_timeout(read_timeout_s);
    return client->Post("/charge", {{"Idempotency-Key", key}}, json{{"user_id", "ann"}, {"amount", 700}}.dump(),
                        "application/json");
  }

  std::optional<TestDatabase> db_;
  std::optional<ServerProcess> server_;
  bool lost_ = false;
};

TEST_F(SyncStandbysTest, WithBothStandbysLostAChargeWaitsAndIsAcknowledgedOnceWhenOneReturns) {
  auto admin = pg::Connection::open(db_->admin_url(), 10);
  ASSERT_EQ(admin.exec("SELECT current_setting('synchronous_standby_names')").str(0, 0).rfind("ANY 1 (", 0), 0u)
      << "every COMMIT should wait for one of the two standbys";

  lost_ = true;
  ASSERT_NO_FATAL_FAILURE(stack("kill", "postgres-standby"));
  ASSERT_NO_FATAL_FAILURE(stack("kill", "postgres-standby"));

  // 12 s: well past the monitor's verdict on both standbys (3 s unhealthy, 1 s checks) and the
  // keeper's next step; with number_sync_standbys = 0 the primary turns asynchronous then and
  // this charge would be answered 201 with one copy.
  const auto lost = charge("sync-standbys-1", 12);
  EXPECT_FALSE(lost && lost->status == 201) << "acknowledged with both standbys lost";
  EXPECT_NE(admin.exec("SELECT current_setting('synchronous_standby_names')").str(0, 0), "")
      << "the primary went on alone";

  ASSERT_NO_FATAL_FAILURE(stack("start", "postgres"));
  lost_ = false;
  // The same key once the standbys are back: the one charge, answered now.
  const auto back = to_reply(charge("sync-standbys-1", 30));
  ASSERT_EQ(back.status, 201) << back.text;
  const auto wallet = back.body.value("destination_wallet_id", "");
  const auto again = to_reply(charge("sync-standbys-1", 30));
  EXPECT_EQ(again.status, 201) << again.text;
  EXPECT_EQ(again.body.value("id", ""), back.body.value("id", "x"));
  const auto shown = to_reply(server_->client()->Get("/wallets/" + wallet));
  EXPECT_EQ(shown.body.value("balance", std::int64_t{-1}), 700) << shown.text;
}

}  // namespace
}  // namespace wallet::testing
