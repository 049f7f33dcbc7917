// Who may do what through the API: every route against no key, a malformed key, a revoked
// key, each scope and a key bound to another user; nothing changes where access is refused.
// Also idempotency keys per API key, and the per-key rate limit.
#include <thread>

#include "core/api_keys.hpp"
#include "core/errors.hpp"
#include "core/pg/error.hpp"
#include "tests/support/certificate.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using json = nlohmann::json;

class HttpAuthTest : public HttpFixture {
 protected:
  // At debug level the server logs the most; a secret must still never appear.
  // Its many refused callers share one address: the failure limit is another test's.
  HttpAuthTest() : HttpFixture({"log.level=debug", "log.format=json", "auth.failure_burst=100000"}) {}
  std::string key(const char* name, ApiScope scope, std::optional<std::string> user = {}) {
    auto conn = db_.connect();
    return ApiKeyStore(conn).create(name, scope, std::move(user)).secret;
  }
  HttpReply call(const std::string& method, const std::string& path, const json& body,
                 const std::optional<std::string>& secret) {
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (method == "POST" || method == "PATCH") {
      req.body = body.dump();
      req.set_header("Content-Type", "application/json");
    }
    if (secret) req.set_header("Authorization", *secret);
    auto fresh = std::make_unique<httplib::Client>("127.0.0.1", server_.port());  // no default key
    return to_reply(fresh->send(req));
  }
  std::string ledger_state() {
    auto conn = db_.connect();
    static constexpr const char* kState =
        "SELECT (SELECT count(*) FROM transactions) || '/' || (SELECT count(*) FROM wallets) || '/' || "
        "(SELECT count(*) FROM withdrawals) || '/' || (SELECT string_agg(balance::text, ',' ORDER BY id) "
        "FROM wallets)";
    return conn.exec(kState).str(0, 0);
  }
};

TEST_F(HttpAuthTest, EveryRouteAnswersEachKindOfCallerAsSpecified) {
  const auto alice = funded_wallet("alice", 1000);
  const auto bob = funded_wallet("bob", 1000);
  const auto withdrawal = post("/withdraw", {{"wallet_id", alice}, {"amount", 1}}).body.value("id", "");
  const auto read = "Bearer " + key("reader", ApiScope::kRead);
  const auto write = "Bearer " + key("writer", ApiScope::kWrite);
  const auto charger = "Bearer " + key("charger", ApiScope::kCharge);
  const auto admin = "Bearer " + key("admin", ApiScope::kAdmin);
  const auto bobs = "Bearer " + key("bob's app", ApiScope::kWrite, std::string("bob"));
  std::string revoked;
  {
    auto conn = db_.connect();
    ApiKeyStore store(conn);
    const auto made = store.create("gone", ApiScope::kAdmin, std::nullopt);
    store.revoke(made.key.id);
    revoked = "Bearer " + made.secret;
  }
  struct Route {
    std::string method, path;
    json body;
    int ok;  // the status a caller allowed in gets
  };
  int n = 0;
  const auto new_user = [&] { return json{{"user_id", "carol-" + std::to_string(++n)}}; };
  const std::vector<Route> routes = {
      {"GET", "/wallets/" + alice, {}, 200},
      {"GET", "/wallets/" + alice + "/transactions", {}, 200},
      {"GET", "/balance/alice", {}, 200},
      {"GET", "/transactions/alice", {}, 200},
      {"GET", "/withdrawals/" + withdrawal, {}, 200},
      {"HEAD", "/wallets/" + alice, {}, 200},
      {"POST", "/wallets", {}, 201},
      {"POST", "/charge", {{"wallet_id", alice}, {"amount", 1}}, 201},
      {"POST", "/withdraw", {{"wallet_id", alice}, {"amount", 1}}, 202},
      {"POST", "/transfers", {{"sender_id", alice}, {"receiver_id", bob}, {"amount", 1}}, 201},
      {"GET", "/health", {}, 200},
      {"GET", "/metrics", {}, 200},
      // Admin only; the unfreeze right after the freeze leaves alice as she was.
      {"POST", "/wallets/" + alice + "/freeze", {{"reason", "audit"}}, 200},
      {"POST", "/wallets/" + alice + "/unfreeze", {{"reason", "audit"}}, 200},
      {"PATCH", "/wallets/" + alice, {{"overdraft_limit", 0}}, 200},
  };
  const auto admin_only = [](const Route& r) { return r.path.ends_with("freeze") || r.method == "PATCH"; };
  // What each caller gets on each route: 0 means the route's own success status.
  struct Caller {
    std::string name;
    std::optional<std::string> secret;
    std::function<int(const Route&)> expect;
  };
  const auto unauthorized = [](const Route&) { return 401; };
  const std::vector<Caller> callers = {
      {"no key", std::nullopt, unauthorized},
      {"not a bearer", std::string("Basic YWxpY2U6cHc="), unauthorized},
      {"made-up key", std::string("Bearer wk_") + std::string(32, 'a') + "_" + std::string(64, 'b'), unauthorized},
      {"revoked", revoked, unauthorized},
      {"read", read, [](const Route& r) { return r.method == "GET" || r.method == "HEAD" ? 0 : 403; }},
      {"write", write, [&](const Route& r) { return r.path == "/charge" || admin_only(r) ? 403 : 0; }},
      {"charge", charger, [&](const Route& r) { return admin_only(r) ? 403 : 0; }},
      {"admin", admin, [](const Route&) { return 0; }},
      {"bound to bob", bobs,
       [&](const Route& r) {
         if (r.path == "/health" || r.path == "/metrics") return 0;
         // Charging and freezing need a scope bob's key cannot hold; alice's things do not exist for it.
         return r.path == "/wallets" || r.path == "/charge" || admin_only(r) ? 403 : 404;
       }},
  };
  for (const auto& caller : callers) {
    for (const auto& route : routes) {
      const auto body = route.path == "/wallets" ? new_user() : route.body;
      const int expected = caller.expect(route) == 0 ? route.ok : caller.expect(route);
      const auto before = ledger_state();
      const auto reply = call(route.method, route.path, body, caller.secret);
      const auto what = caller.name + ": " + route.method + " " + route.path;
      EXPECT_EQ(reply.status, expected) << what << "\n" << reply.text.substr(0, 300);
      if (expected >= 400) {
        EXPECT_EQ(ledger_state(), before) << what << " changed the ledger";
        EXPECT_EQ(reply.header("Content-Type"), "application/problem+json") << what;
      }
      if (expected == 401) {
        EXPECT_NE(reply.header("WWW-Authenticate").find("Bearer"), std::string::npos) << what;
      }
    }
  }
  // Open to everyone whatever the key.
  for (const auto* path : {"/healthz", "/readyz", "/openapi.json"}) {
    EXPECT_EQ(call("GET", path, {}, std::nullopt).status, 200) << path;
  }
  // No secret reached the log, whatever became of the request that carried it.
  const auto log = server_.log();
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << "the server does not log refused requests";
  for (const auto& caller : callers) {
    if (!caller.secret) continue;
    EXPECT_EQ(log.find(caller.secret->substr(caller.secret->find(' ') + 1)), std::string::npos) << caller.name;
  }
}

TEST_F(HttpAuthTest, AUserBoundKeyUsesItsOwnWalletsAndPaysAnyone) {
  const auto alice = funded_wallet("alice", 100);
  const auto bob = funded_wallet("bob", 100);
  const auto bobs = "Bearer " + key("bob's app", ApiScope::kWrite, std::string("bob"));
  EXPECT_EQ(call("GET", "/wallets/" + bob, {}, bobs).status, 200);
  EXPECT_EQ(call("GET", "/balance/bob", {}, bobs).body.value("total", -1), 100);
  EXPECT_EQ(call("POST", "/transfers", {{"sender_id", bob}, {"receiver_id", alice}, {"amount", 30}}, bobs).status, 201);
  EXPECT_EQ(call("POST", "/charge", {{"user_id", "alice"}, {"amount", 5}}, bobs).status, 403);
  EXPECT_EQ(call("POST", "/charge", {{"user_id", "dave"}, {"amount", 5}}, bobs).status, 403);  // not created
  EXPECT_EQ(call("POST", "/wallets", {{"user_id", "bob"}, {"currency", "EUR"}}, bobs).status, 201);
  EXPECT_EQ(balance(alice), 130);
  EXPECT_EQ(balance(bob), 70);
  EXPECT_EQ(get("/balance/dave").status, 404);
}

// Reproduced from outside: a write key bound to user U charged 10^12 into U's wallet and then
// withdrew it. A charge moves money in from outside: a user-bound key can hold no scope for it.
TEST_F(HttpAuthTest, AKeyBoundToAUserCannotMintMoney) {
  const auto bob = funded_wallet("bob", 100);
  const auto bobs = "Bearer " + key("bob's app", ApiScope::kWrite, std::string("bob"));
  const auto before = ledger_state();
  const auto minted = call("POST", "/charge", {{"wallet_id", bob}, {"amount", 1'000'000'000'000}}, bobs);
  EXPECT_EQ(minted.status, 403);
  EXPECT_EQ(minted.body["code"], "forbidden");
  EXPECT_NE(minted.body["detail"].get<std::string>().find("needs charge"), std::string::npos) << minted.text;
  EXPECT_EQ(ledger_state(), before);
  EXPECT_EQ(call("POST", "/withdraw", {{"wallet_id", bob}, {"amount", 101}}, bobs).status, 422);
  // Nor can such a key be made.
  for (auto scope : {ApiScope::kCharge, ApiScope::kAdmin}) {
    EXPECT_THROW(key("bob's admin", scope, std::string("bob")), DomainError);
  }
  auto conn = db_.connect();
  EXPECT_THROW(conn.exec("INSERT INTO api_keys (id, name, scope, user_id, secret_hash) "
                         "VALUES (gen_random_uuid(), 'sneaky', 'admin', 'bob', 'x')"),
               pg::Error);
}

TEST_F(HttpAuthTest, IdempotencyKeysOfTwoApiKeysDoNotCollide) {
  const auto w = funded_wallet("alice", 100);
  const auto one = "Bearer " + key("one", ApiScope::kCharge), two = "Bearer " + key("two", ApiScope::kCharge);
  const auto charge = [&](const std::string& secret, int amount) {
    httplib::Headers headers{{"Authorization", secret}, {"Idempotency-Key", "order-1"}};
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    return to_reply(c->Post("/charge", headers, json{{"wallet_id", w}, {"amount", amount}}.dump(), "application/json"));
  };
  const auto first = charge(one, 10);
  const auto second = charge(two, 20);  // same key string, another client: its own request
  ASSERT_EQ(first.status, 201);
  ASSERT_EQ(second.status, 201) << second.text;
  EXPECT_NE(first.body["id"], second.body["id"]);
  EXPECT_EQ(second.header("Idempotent-Replayed"), "");
  const auto again = charge(one, 10);
  EXPECT_EQ(again.body["id"], first.body["id"]);  // one's replay is one's own result
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(charge(two, 99).status, 409);  // two's key, reused by two for another request
  EXPECT_EQ(balance(w), 130);
}

class HttpAuthFailureLimitTest : public HttpFixture {
 protected:
  HttpAuthFailureLimitTest() : HttpFixture({"auth.failures_per_second=1", "auth.failure_burst=3"}) {}
};

// Made-up keys cost a lookup each: an address that keeps failing is refused before its key is
// looked at, and admitted again once its bucket refills.
TEST_F(HttpAuthFailureLimitTest, AnAddressThatKeepsFailingIsRefusedBeforeAnyLookup) {
  const auto made_up = std::string("Bearer wk_") + std::string(32, 'a') + "_" + std::string(64, 'b');
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    const auto r = to_reply(c->Get("/balance/alice", {{"Authorization", made_up}}));
    statuses.push_back(r.status);
    if (r.status == 429) {
      EXPECT_EQ(r.body["code"], "rate_limited");
      EXPECT_FALSE(r.header("Retry-After").empty());
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{401, 401, 401, 429, 429, 429}));
  // The bucket refills at one a second: the operator's own key gets through again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while ((status = get("/balance/nobody").status) == 429 && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_EQ(status, 404);  // admitted: nobody has no wallet
}

class HttpRateLimitTest : public HttpFixture {
 protected:
  HttpRateLimitTest() : HttpFixture({"auth.rate_per_second=2", "auth.rate_burst=5"}) {}
};

TEST_F(HttpRateLimitTest, ABurstBeyondTheBucketGets429WithRetryAfterThenPassesAgain) {
  int ok = 0;
  HttpReply limited;
  for (int i = 0; i < 20 && limited.status == 0; ++i) {
    auto r = get("/healthz");  // open: never limited
    ASSERT_EQ(r.status, 200);
    r = get("/health");
    if (r.status == 429) {
      limited = r;
    } else {
      ASSERT_EQ(r.status, 200) << r.text;
      ++ok;
    }
  }
  EXPECT_GE(ok, 5);  // the burst
  EXPECT_LE(ok, 7);  // plus what refilled meanwhile
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body.value("code", ""), "rate_limited");
  const int retry_after = std::stoi(limited.header("Retry-After"));
  EXPECT_GE(retry_after, 1);
  // Waiting for the bucket to refill is what is under test here.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after));
  EXPECT_EQ(get("/health").status, 200);
}

// HTTPS with a certificate the test makes; plain HTTP to the same port gets no answer and the
// server keeps serving.
TEST(HttpsTest, ServesTlsWithItsCertificateAndRefusesPlainHttpCleanly) {
  const auto tls = make_certificate("walletctl-serve-tls");
  TestDatabase db;
  ServerProcess server(db.url(),
                       {"withdrawals.enabled=false", "http.tls_cert=" + tls.cert_file, "http.tls_key=" + tls.key_file});
  httplib::SSLClient https("127.0.0.1", server.port());
  https.set_ca_cert_path(tls.cert_file.c_str());
  https.enable_server_certificate_verification(true);
  https.set_bearer_token_auth(server.api_secret().c_str());
  const auto created = https.Post("/wallets", json{{"user_id", "alice"}}.dump(), "application/json");
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  EXPECT_EQ(created->status, 201);
  const auto read = https.Get("/wallets/" + json::parse(created->body).value("id", ""));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);

  httplib::Client plain("127.0.0.1", server.port());
  plain.set_read_timeout(5);
  const auto refused = plain.Get("/healthz");
  EXPECT_TRUE(!refused || refused->status >= 400);  // never a plain-text answer of the API
  const auto still = https.Get("/healthz");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
  // Nor does a client that offers nothing newer than TLS 1.1.
  httplib::SSLClient old_tls("127.0.0.1", server.port());
  SSL_CTX_set_security_level(old_tls.ssl_context(), 0);
  SSL_CTX_set_max_proto_version(old_tls.ssl_context(), TLS1_1_VERSION);
  EXPECT_FALSE(old_tls.Get("/healthz"));
  httplib::SSLClient tls12("127.0.0.1", server.port());
  SSL_CTX_set_max_proto_version(tls12.ssl_context(), TLS1_2_VERSION);
  tls12.set_ca_cert_path(tls.cert_file.c_str());
  tls12.enable_server_certificate_verification(true);
  const auto on_tls12 = tls12.Get("/healthz");
  ASSERT_TRUE(on_tls12);
  EXPECT_EQ(on_tls12->status, 200);
  // A client that does not trust the certificate does not get through either.
  httplib::SSLClient untrusting("127.0.0.1", server.port());
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_ca_cert_path("/dev/null");
  EXPECT_FALSE(untrusting.Get("/healthz"));
}

TEST(HttpsTest, AnUnreadableCertificateStopsTheStartWithAClearError) {
  TestDatabase db;
  const auto r =
      run_process({walletctl_path(), "--set", "http.listen=127.0.0.1:0", "--set", "http.tls_cert=/nonexistent/cert.pem",
                   "--set", "http.tls_key=/nonexistent/key.pem", "serve"},
                  {{"DATABASE_URL", db.url()}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("http.tls_cert"), std::string::npos) << r.err;
  const auto half =
      run_process({walletctl_path(), "--set", "http.tls_cert=/x.pem", "serve"}, {{"DATABASE_URL", db.url()}});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("go together"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace wallet::testing
