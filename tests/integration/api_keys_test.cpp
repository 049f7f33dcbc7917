// API keys on a real PostgreSQL: only a hash is stored, a secret authenticates its own live
// key only, and revoked or malformed secrets authenticate nothing.
#include "core/api_keys.hpp"

#include <gtest/gtest.h>

#include "core/digest.hpp"
#include "core/errors.hpp"
#include "daemon/http/auth.hpp"
#include "tests/support/test_database.hpp"

#include <thread>

namespace wallet::testing {
namespace {

class ApiKeyTest : public ::testing::Test {
 protected:
  TestDatabase db_;
  pg::Connection conn_ = db_.connect();
  ApiKeyStore keys_{conn_};
};

TEST_F(ApiKeyTest, ASecretAuthenticatesItsKeyAndOnlyItsHashIsStored) {
  const auto made = keys_.create("alice's app", ApiScope::kWrite, std::string("alice"));
  EXPECT_TRUE(made.secret.starts_with("wk_"));
  const auto found = keys_.authenticate(made.secret);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, made.key.id);
  EXPECT_EQ(found->scope, ApiScope::kWrite);
  EXPECT_EQ(found->user_id, "alice");
  static constexpr const char* kStored = "SELECT secret_hash FROM api_keys";
  EXPECT_EQ(conn_.exec(kStored).str(0, 0), sha256_hex(made.secret));
  static constexpr const char* kSecretAnywhere =
      "SELECT count(*) FROM api_keys WHERE position($1 IN api_keys::text) > 0";
  EXPECT_EQ(conn_.exec(kSecretAnywhere, {made.secret}).int64(0, 0), 0);
}

TEST_F(ApiKeyTest, WrongMalformedAndRevokedSecretsAuthenticateNothing) {
  const auto a = keys_.create("a", ApiScope::kRead, std::nullopt);
  const auto b = keys_.create("b", ApiScope::kAdmin, std::nullopt);
  // a's id with b's random part, a's secret with one digit changed, and shapes that are not secrets.
  const auto mixed = a.secret.substr(0, a.secret.rfind('_')) + b.secret.substr(b.secret.rfind('_'));
  auto flipped = a.secret;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  for (const auto& bad : {mixed, flipped, std::string(), std::string("wk_"), a.secret + "0",
                          std::string("Bearer ") + a.secret, a.secret.substr(1)}) {
    EXPECT_FALSE(keys_.authenticate(bad)) << bad;
  }
  const auto revoked = keys_.revoke(a.key.id);
  EXPECT_TRUE(revoked.revoked_at);
  EXPECT_FALSE(keys_.authenticate(a.secret));
  EXPECT_TRUE(keys_.authenticate(b.secret));
  EXPECT_EQ(keys_.revoke(a.key.id).revoked_at, revoked.revoked_at);  // a second revoke changes nothing
}

TEST_F(ApiKeyTest, BadNamesScopesUsersAndIdsAreRefused) {
  EXPECT_THROW(keys_.create("", ApiScope::kRead, std::nullopt), DomainError);
  EXPECT_THROW(keys_.create(std::string(101, 'n'), ApiScope::kRead, std::nullopt), DomainError);
  EXPECT_THROW(keys_.create("tab\there", ApiScope::kRead, std::nullopt), DomainError);
  EXPECT_THROW(keys_.create("ok", ApiScope::kRead, std::string("")), DomainError);
  EXPECT_THROW(parse_api_scope("root"), DomainError);
  try {
    keys_.revoke("01a20297-6a6a-7f1a-a2ed-0fcbcab4c86b");
    ADD_FAILURE() << "revoked a key that does not exist";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kApiKeyNotFound);
  }
  EXPECT_TRUE(keys_.list().empty());
}

// Reproduced in review: when no pool connection was free, a key accepted once stayed accepted
// however long ago, as if the database were down. Busy is not down: the request fails closed.
TEST_F(ApiKeyTest, ABusyPoolFailsAuthenticationClosed) {
  Settings settings = db_.settings();
  settings.auth.key_cache_ms = 1;
  pg::ConnectionPool pool(pg::PoolOptions{db_.url(), 1, 5, std::chrono::milliseconds(50)});
  daemon::Authenticator auth(settings, pool);
  const auto secret = keys_.create("ops", ApiScope::kAdmin, std::nullopt).secret;
  httplib::Request req;
  req.method = "GET";
  req.path = "/balance/alice";
  req.remote_addr = "127.0.0.1";
  req.headers.emplace("Authorization", "Bearer " + secret);
  httplib::Response res;
  daemon::Exchange ex{req, res, "test", "/balance/{user_id}", {}, "", std::nullopt, ""};
  ASSERT_TRUE(auth.admit(ex, ApiScope::kRead));                // checked, and trusted for 1 ms
  auto held = pool.acquire();                                  // the pool's only connection is taken
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the trust and its outage grace expire
  try {
    auth.admit(ex, ApiScope::kRead);
    ADD_FAILURE() << "admitted without a check";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  }
}

}  // namespace
}  // namespace wallet::testing
