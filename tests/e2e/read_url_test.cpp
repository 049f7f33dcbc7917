// database.read_url when the standby cannot be reached: every read still answers, from the
// primary. (Reads from a real standby, behind or not: tests/failover/read_url_test.cpp.)
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_fixture.hpp"

namespace wallet::testing {
namespace {

using json = nlohmann::json;

TEST(ReadUrlTest, AStandbyThatCannotBeReachedSendsEveryReadToThePrimary) {
  TestDatabase db;
  ServerProcess server(db.url(), {"withdrawals.enabled=false", "redis.enabled=false", "database.connect_timeout=1",
                                  "database.read_url=postgresql://wallet@127.0.0.1:1/walletctl"});
  auto client = server.client();
  const auto r = to_reply(client->Post("/charge", json{{"user_id", "cy"}, {"amount", 7}}.dump(), "application/json"));
  ASSERT_EQ(r.status, 201) << r.text;
  const auto wallet = r.body.value("destination_wallet_id", "");
  for (int i = 0; i < 5; ++i) {
    const auto read = to_reply(client->Get("/wallets/" + wallet + "/transactions"));
    ASSERT_EQ(read.status, 200) << read.text;
    EXPECT_EQ(read.body["items"].size(), 1u);
  }
  const auto metrics = to_reply(client->Get("/metrics")).text;
  EXPECT_NE(metrics.find("walletctl_reads_total{from=\"primary\"} 5"), std::string::npos);
  EXPECT_NE(metrics.find("walletctl_reads_total{from=\"standby\"} 0"), std::string::npos);
}

}  // namespace
}  // namespace wallet::testing
