// The route table: matching, 404 versus 405, and the OpenAPI document listing exactly the
// routes the server has.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>

#include "core/errors.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/openapi.hpp"

namespace wallet::daemon {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : pool_(pg::PoolOptions{}),
        reads_(settings_, pool_, metrics_),
        writes_(settings_, nullptr),
        readiness_([] { return true; }, std::chrono::hours(1)),
        auth_(settings_, pool_),
        state_{settings_, pool_, reads_, metrics_, stopping_, nullptr, writes_, readiness_, auth_} {
    add_api_routes(router_, state_);
  }
  Settings settings_;
  pg::ConnectionPool pool_;  // never connects: no request is handled here
  Metrics metrics_;
  ReplicaReads reads_;  // no read_url: it starts nothing
  std::atomic<bool> stopping_{false};
  GroupCommitter writes_;  // its writers never connect: no operation is applied here
  Readiness readiness_;    // never asks a database
  Authenticator auth_;     // asks nothing: no request is admitted here
  ApiState state_;
  Router router_;
};

TEST_F(RouterTest, MatchesTemplatesAndCollectsParameters) {
  const auto m = router_.match("GET", "/wallets/abc/transactions");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->path, "/wallets/{id}/transactions");
  EXPECT_EQ(m.params, std::vector<std::string>{"abc"});
  EXPECT_EQ(router_.match("HEAD", "/wallets/abc").route->path, "/wallets/{id}");
  EXPECT_EQ(router_.match("GET", "/balance").route->path, "/balance");
  EXPECT_EQ(router_.match("GET", "/balance/bob").route->path, "/balance/{user_id}");
}

TEST_F(RouterTest, UnknownPathsAndWrongMethodsAreTold) {
  EXPECT_EQ(router_.match("GET", "/nope").route, nullptr);
  EXPECT_TRUE(router_.match("GET", "/nope").allowed.empty());
  EXPECT_EQ(router_.match("GET", "/wallets//transactions").route, nullptr);  // empty id segment
  EXPECT_EQ(router_.match("GET", "/wallets/a/").route, nullptr);
  const auto m = router_.match("DELETE", "/wallets");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, std::vector<std::string>{"POST"});
  EXPECT_EQ(router_.match("POST", "/health").allowed, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST_F(RouterTest, OpenApiDocumentListsExactlyTheServedRoutes) {
  const auto doc = nlohmann::json::parse(openapi_document());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented, served;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + path);
    }
  }
  for (const auto& r : router_.routes()) served.insert(r.method + " " + r.path);
  EXPECT_EQ(documented, served);
}

TEST_F(RouterTest, OpenApiDocumentsEveryProblemCode) {
  const auto doc = nlohmann::json::parse(openapi_document());
  const auto& codes = doc["components"]["schemas"]["Problem"]["properties"]["code"]["enum"];
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    const auto& info = error_info(static_cast<ErrorCode>(c));
    if (info.code == ErrorCode::kInvalidConfig || info.code == ErrorCode::kMigrationChanged ||
        info.code == ErrorCode::kApiKeyNotFound) {
      continue;  // CLI only
    }
    EXPECT_NE(std::find(codes.begin(), codes.end(), std::string(info.name)), codes.end()) << info.name;
  }
}

// Examples show what the server sends: a response schema's example has exactly its properties;
// a request's, its required fields and no field the schema lacks.
TEST_F(RouterTest, OpenApiExamplesHaveTheirSchemasFields) {
  const auto doc = nlohmann::json::parse(openapi_document());
  int responses = 0, requests = 0;
  for (const auto& [name, schema] : doc["components"]["schemas"].items()) {
    if (!schema.contains("examples") || !schema.contains("properties")) continue;
    std::set<std::string> properties, required;
    for (const auto& [k, v] : schema["properties"].items()) properties.insert(k);
    for (const auto& k : schema.value("required", nlohmann::json::array())) required.insert(k.get<std::string>());
    for (const auto& example : schema["examples"]) {
      std::set<std::string> keys;
      for (const auto& [k, v] : example.items()) keys.insert(k);
      if (name.ends_with("Request") || name == "WalletPatch") {
        ++requests;
        EXPECT_TRUE(std::includes(properties.begin(), properties.end(), keys.begin(), keys.end())) << name;
        EXPECT_TRUE(std::includes(keys.begin(), keys.end(), required.begin(), required.end())) << name;
      } else {
        ++responses;
        EXPECT_EQ(keys, properties) << name;
      }
    }
  }
  EXPECT_GE(responses, 8);
  EXPECT_GE(requests, 8);
}

}  // namespace
}  // namespace wallet::daemon
