// The HTTP API end to end against the real binary: every endpoint's success path and the
// error codes each can return.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/amqp_client.hpp"
#include "core/build_info.hpp"
#include "daemon/events/event_consumers.hpp"
#include "daemon/events/notify_metrics.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/openapi_schema.hpp"
#include "tests/support/process.hpp"
#include "tests/support/paths.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class HttpApiTest : public HttpFixture {};

TEST_F(HttpApiTest, WalletsAreCreatedReadAndUnique) {
  const auto created = post("/wallets", {{"user_id", "alice"}});
  ASSERT_EQ(created.status, 201) << created.text;
  expect_schema_keys(created.body, "Wallet");
  const std::string id = created.body["id"];
  EXPECT_EQ(created.header("Location"), "/wallets/" + id);
  EXPECT_EQ(created.body["currency"], "USD");
  EXPECT_EQ(created.body["balance"], 0);

  const auto read = get("/wallets/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, created.body);
  std::string upper = id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(get("/wallets/" + upper).body["id"], id);  // any case accepted, lowercase returned

  const auto dup = post("/wallets", {{"user_id", "alice"}, {"currency", "USD"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["code"], "wallet_exists");
  EXPECT_EQ(post("/wallets", {{"user_id", "alice"}, {"currency", "EUR"}}).status, 201);
  EXPECT_EQ(post("/wallets", {{"user_id", 7}}).body["user_id"], "7");

  const auto missing = get("/wallets/0190a5e4-8c1e-7c3a-9f00-000000000001");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["code"], "wallet_not_found");
  EXPECT_EQ(get("/wallets/nope").body["code"], "invalid_wallet_id");
}

// The connection is lost while COMMIT is under way: the request may or may not have taken
// effect. That is neither "try again" nor a 500: 503 outcome_unknown, and a retry with the same
// Idempotency-Key applies it exactly once.
TEST_F(HttpApiTest, ALostCommitAnswersOutcomeUnknownAndARetryWithTheKeyAppliesOnce) {
  const auto w = funded_wallet("alice", 100);
  {
    // At COMMIT, a deferred trigger ends its own backend: the client sees the connection go.
    auto admin = db_.admin();
    admin.exec_script(
        "CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$; "
        "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON transactions DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW WHEN (NEW.reference = 'die at commit') EXECUTE FUNCTION die_at_commit()");
  }
  const json charge = {{"wallet_id", w}, {"amount", 7}, {"reference", "die at commit"}};
  const httplib::Headers key = {{"Idempotency-Key", "order-77"}};
  const auto lost = post("/charge", charge, key);
  EXPECT_EQ(lost.status, 503) << lost.text;
  EXPECT_EQ(lost.body.value("code", ""), "outcome_unknown");
  EXPECT_NE(lost.body.value("detail", "").find("same Idempotency-Key"), std::string::npos);
  EXPECT_EQ(lost.text.find("postgresql://"), std::string::npos);
  {
    auto admin = db_.admin();
    admin.exec_script("DROP TRIGGER die_at_commit ON transactions");
  }
  const auto retried = post("/charge", charge, key);
  EXPECT_EQ(retried.status, 201) << retried.text;
  EXPECT_EQ(post("/charge", charge, key).header("Idempotent-Replayed"), "true");
  EXPECT_EQ(balance(w), 107);
}

TEST_F(HttpApiTest, ChargeTransferAndWithdrawMoveMoney) {
  const auto a = create_wallet("alice"), b = create_wallet("bob");
  const auto charge = post("/charge", {{"wallet_id", a}, {"amount", 1000}, {"reference", "top-up"}});
  ASSERT_EQ(charge.status, 201) << charge.text;
  expect_schema_keys(charge.body, "Transaction");
  EXPECT_EQ(charge.body["kind"], "charge");
  EXPECT_EQ(charge.body["destination_wallet_id"], a);

  const auto transfer = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 300}});
  ASSERT_EQ(transfer.status, 201) << transfer.text;
  EXPECT_EQ(transfer.body["kind"], "transfer");
  EXPECT_EQ(balance(a), 700);
  EXPECT_EQ(balance(b), 300);

  const auto withdrawal = post("/withdraw", {{"wallet_id", b}, {"amount", 100}});
  ASSERT_EQ(withdrawal.status, 202) << withdrawal.text;
  expect_schema_keys(withdrawal.body, "Withdrawal");
  EXPECT_EQ(withdrawal.body["status"], "pending");
  const std::string wid = withdrawal.body["id"];
  EXPECT_EQ(withdrawal.header("Location"), "/withdrawals/" + wid);
  const auto shown = get("/withdrawals/" + wid);
  EXPECT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body, withdrawal.body);
  EXPECT_EQ(balance(b), 200);
  EXPECT_EQ(get("/withdrawals/0190a5e4-8c1e-7c3a-9f00-000000000001").body["code"], "withdrawal_not_found");
  EXPECT_EQ(get("/withdrawals/zz").body["code"], "invalid_withdrawal_id");
}

TEST_F(HttpApiTest, OperationsByUserId) {
  // A charge by user id creates the user's wallet; a withdrawal by an unknown user is a 404.
  const auto charge = post("/charge", {{"user_id", "carol"}, {"amount", 50}, {"currency", "EUR"}});
  ASSERT_EQ(charge.status, 201) << charge.text;
  const auto bal = get("/balance/carol?currency=EUR");
  EXPECT_EQ(bal.status, 200);
  expect_schema_keys(bal.body, "Balance");
  EXPECT_EQ(bal.body["total"], 50);
  EXPECT_EQ(bal.body["withdrawable"], 50);
  EXPECT_EQ(post("/withdraw", {{"user_id", "carol"}, {"amount", 20}, {"currency", "EUR"}}).status, 202);
  EXPECT_EQ(get("/balance?user_id=carol&currency=EUR").body["total"], 30);
  EXPECT_EQ(post("/withdraw", {{"user_id", "nobody"}, {"amount", 1}}).body["code"], "wallet_not_found");
  EXPECT_EQ(get("/balance/carol").body["code"], "wallet_not_found");  // no USD wallet
  EXPECT_EQ(get("/balance").body["code"], "missing_field");
}

TEST_F(HttpApiTest, RefusalsAreProblemsAndChangeNothing) {
  const auto a = funded_wallet("alice", 100), b = create_wallet("bob");
  const auto eur = create_wallet("erin", "EUR");
  const auto expect_code = [](const HttpReply& r, int status, const char* code) {
    EXPECT_EQ(r.status, status) << r.text;
    EXPECT_EQ(r.body["code"], code) << r.text;
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    for (const char* k : {"type", "title", "status", "detail", "code", "instance", "request_id"}) {
      EXPECT_TRUE(r.body.contains(k)) << k;
    }
  };
  expect_code(post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 101}}), 422, "insufficient_funds");
  expect_code(post("/withdraw", {{"wallet_id", a}, {"amount", 101}}), 422, "insufficient_funds");
  expect_code(post("/transfers", {{"sender_id", a}, {"receiver_id", a}, {"amount", 1}}), 422, "same_wallet");
  expect_code(post("/transfers", {{"sender_id", a}, {"receiver_id", eur}, {"amount", 1}}), 422, "currency_mismatch");
  expect_code(post("/charge", {{"wallet_id", a}, {"amount", 1}, {"currency", "EUR"}}), 422, "currency_mismatch");
  expect_code(post("/charge", {{"wallet_id", a}, {"amount", 1}, {"release_at", "2001-01-01T00:00:00Z"}}), 400,
              "invalid_release_at");
  expect_code(
      post("/transfers", {{"sender_id", a}, {"receiver_id", "0190a5e4-8c1e-7c3a-9f00-000000000009"}, {"amount", 1}}),
      404, "wallet_not_found");
  EXPECT_EQ(balance(a), 100);
  EXPECT_EQ(balance(b), 0);
}

TEST_F(HttpApiTest, IdempotencyKeysReplayAndConflict) {
  const auto a = funded_wallet("alice", 100), b = create_wallet("bob");
  const json transfer = {{"sender_id", a}, {"receiver_id", b}, {"amount", 10}};
  const auto first = post("/transfers", transfer, {{"Idempotency-Key", "t-1"}});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(first.header("Idempotent-Replayed"), "");
  const auto again = post("/transfers", transfer, {{"Idempotency-Key", "t-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.text, first.text);
  // The body field is the same key as the header.
  json with_field = transfer;
  with_field["idempotency_key"] = "t-1";
  EXPECT_EQ(post("/transfers", with_field).text, first.text);
  EXPECT_EQ(balance(b), 10);

  json other = transfer;
  other["amount"] = 11;
  const auto conflict = post("/transfers", other, {{"Idempotency-Key", "t-1"}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.body["code"], "idempotency_conflict");
  EXPECT_EQ(post("/transfers", with_field, {{"Idempotency-Key", "t-2"}}).body["code"], "invalid_idempotency_key");

  // A refused request does not consume its key.
  json too_much = transfer;
  too_much["amount"] = 1000;
  EXPECT_EQ(post("/transfers", too_much, {{"Idempotency-Key", "t-3"}}).status, 422);
  EXPECT_EQ(post("/transfers", transfer, {{"Idempotency-Key", "t-3"}}).status, 201);
  EXPECT_EQ(balance(b), 20);

  const auto w1 = post("/withdraw", {{"wallet_id", b}, {"amount", 5}}, {{"Idempotency-Key", "w-1"}});
  const auto w2 = post("/withdraw", {{"wallet_id", b}, {"amount", 5}}, {{"Idempotency-Key", "w-1"}});
  EXPECT_EQ(w2.status, 202);
  EXPECT_EQ(w2.text, w1.text);
  EXPECT_EQ(w2.header("Location"), w1.header("Location"));
  EXPECT_EQ(balance(b), 15);
}

TEST_F(HttpApiTest, HistoriesPageWithCursors) {
  const auto a = funded_wallet("alice", 1000), b = create_wallet("bob");
  create_wallet("alice", "EUR");
  post("/charge", {{"user_id", "alice"}, {"currency", "EUR"}, {"amount", 7}});
  for (int i = 1; i <= 4; ++i) post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", i}});

  // The wallet: 1 charge + 4 transfers, newest first, two per page.
  std::vector<std::int64_t> amounts;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    const auto page = get("/wallets/" + a + "/transactions?limit=2" + (cursor ? "&cursor=" + *cursor : ""));
    ASSERT_EQ(page.status, 200) << page.text;
    ++pages;
    for (const auto& item : page.body["items"]) {
      expect_schema_keys(item, "HistoryItem");
      amounts.push_back(item["entry_amount"]);
    }
    cursor = page.body["next_cursor"].is_null() ? std::nullopt : std::optional<std::string>(page.body["next_cursor"]);
  } while (cursor);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(amounts, (std::vector<std::int64_t>{-4, -3, -2, -1, 1000}));

  // The user: both wallets' lines merged, newest first.
  const auto all = get("/transactions/alice");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["items"].size(), 6u);
  EXPECT_EQ(all.body["items"][0]["entry_amount"], -4);
  EXPECT_EQ(all.body["items"][4]["currency"], "EUR");
  EXPECT_TRUE(all.body["next_cursor"].is_null());
  const auto first = get("/transactions?user_id=alice&limit=4");
  EXPECT_EQ(first.body["items"].size(), 4u);
  const std::string next = first.body["next_cursor"];
  EXPECT_EQ(get("/transactions/alice?limit=4&cursor=" + next).body["items"].size(), 2u);

  // Cursors are bound to their history and cannot be edited.
  EXPECT_EQ(get("/transactions/bob?cursor=" + next).body["code"], "invalid_cursor");
  EXPECT_EQ(get("/wallets/" + a + "/transactions?cursor=" + next).body["code"], "invalid_cursor");
  std::string tampered = next;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(get("/transactions/alice?cursor=" + tampered).status, 400);
  EXPECT_EQ(get("/transactions/alice?cursor=%FF%00").status, 400);
  for (const char* limit : {"0", "201", "-1", "abc", "1.5", ""}) {
    EXPECT_EQ(get(std::string("/transactions/alice?limit=") + limit).body["code"], "invalid_limit") << limit;
  }
  EXPECT_EQ(get("/transactions/nobody").body["code"], "wallet_not_found");
  EXPECT_EQ(get("/wallets/" + a + "/transactions?page=2").body["code"], "unknown_field");
}

TEST_F(HttpApiTest, ProtocolErrorsAreProblems) {
  const auto not_found = get("/no/such/route");
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.body["code"], "not_found");
  const auto wrong_method = to_reply(http_->Delete("/wallets"));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.header("Allow"), "POST");
  EXPECT_EQ(wrong_method.body["code"], "method_not_allowed");
  EXPECT_EQ(to_reply(http_->Post("/health", "{}", "application/json")).header("Allow"), "GET, HEAD");
  const auto media = to_reply(http_->Post("/wallets", R"({"user_id":"x"})", "text/plain"));
  EXPECT_EQ(media.status, 415);
  EXPECT_EQ(media.body["code"], "unsupported_media_type");
  EXPECT_EQ(to_reply(http_->Post("/wallets", R"({"user_id":"x"})", "application/json; charset=utf-8")).status, 201);
  const auto big = to_reply(http_->Post("/charge", std::string(70000, ' '), "application/json"));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body["code"], "payload_too_large");
}

TEST_F(HttpApiTest, RequestIdsAreEchoedAndLogged) {
  const auto kept = get("/healthz", {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(kept.header("X-Request-Id"), "trace-abc.123");
  const auto replaced = get("/healthz", {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(replaced.header("X-Request-Id"), "bad id with spaces");
  EXPECT_EQ(replaced.header("X-Request-Id").size(), 36u);
  const auto problem = get("/wallets/nope", {{"X-Request-Id", "trace-problem"}});
  EXPECT_EQ(problem.body["request_id"], "trace-problem");
  // The log line is written after the response; a request that follows proves it was written.
  get("/healthz");
  const auto log = server_.log();
  EXPECT_NE(log.find("request_id=trace-problem"), std::string::npos);
  EXPECT_NE(log.find("route=/wallets/{id}"), std::string::npos);
}

TEST_F(HttpApiTest, OperationalEndpoints) {
  EXPECT_EQ(get("/healthz").body["status"], "ok");
  EXPECT_EQ(get("/readyz").body["status"], "ready");
  const auto health = get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body["checks"]["postgres"]["status"], "up");
  EXPECT_EQ(health.body["checks"]["redis"]["status"], "up");
  EXPECT_EQ(health.body["checks"]["rabbitmq"]["status"], "up");
  EXPECT_EQ(health.body["status"], "ok");

  const auto a = funded_wallet("alice", 10);
  post("/withdraw", {{"wallet_id", a}, {"amount", 11}});
  const auto metrics = to_reply(http_->Get("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  for (const char* line :
       {"walletctl_http_requests_total{route=\"/charge\",method=\"POST\",status=\"201\"} 1",
        "walletctl_http_request_duration_seconds_bucket{route=\"/wallets\",le=\"+Inf\"} 1",
        "walletctl_http_requests_in_flight 1", "walletctl_operations_total{kind=\"charge\",outcome=\"ok\"} 1",
        "walletctl_operations_total{kind=\"withdrawal\",outcome=\"insufficient_funds\"} 1", "walletctl_db_pool_size 16",
        "walletctl_db_pool_connections{state=\"in_use\"}", "walletctl_db_pool_waits_total"}) {
    EXPECT_NE(metrics.text.find(line), std::string::npos) << line;
  }

  std::ifstream file(source_dir() + "/docs/openapi.json");
  std::stringstream text;
  text << file.rdbuf();
  const auto served = get("/openapi.json");
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, json::parse(text.str()));
}

// What any Prometheus client library exposes about its process, the build, and sums at full
// precision; promtool (Debian's prometheus) accepts the whole exposition.
TEST_F(HttpApiTest, MetricsDescribeTheProcessAndTheBuildInAFormPromtoolAccepts) {
  for (int i = 0; i < 5; ++i) get("/wallets/" + create_wallet("user-" + std::to_string(i)));
  const auto metrics = to_reply(http_->Get("/metrics"));
  ASSERT_EQ(metrics.status, 200);
  std::map<std::string, std::string> samples;  // name{labels} -> value
  std::istringstream lines(metrics.text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    samples[line.substr(0, line.rfind(' '))] = line.substr(line.rfind(' ') + 1);
  }
  const auto value = [&](const std::string& name) { return std::stod(samples.at(name)); };
  EXPECT_GT(value("process_cpu_seconds_total"), 0);
  EXPECT_GT(value("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(value("process_virtual_memory_bytes"), value("process_resident_memory_bytes"));
  EXPECT_GE(value("process_open_fds"), 4);  // at least stdio and the listening socket
  EXPECT_GE(value("process_max_fds"), value("process_open_fds"));
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(value("process_start_time_seconds"), now);
  EXPECT_GT(value("process_start_time_seconds"), now - 600) << "the server started with this test";
  EXPECT_EQ(samples.at(std::string("walletctl_build_info{version=\"") + build_version() + "\",commit=\"" +
                       build_commit() + "\"}"),
            "1");
  // Five requests of a few hundred microseconds each: the default six digits would round the
  // sum; the shortest text that reads back as the same double keeps them all.
  const auto sum = samples.at("walletctl_http_request_duration_seconds_sum{route=\"/wallets/{id}\"}");
  EXPECT_GT(std::count_if(sum.begin(), sum.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }),
            7)
      << sum;
  const auto promtool = run_process({"promtool", "check", "metrics"}, {}, metrics.text);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;
}

// deploy/: the alert rules pass promtool (syntax, and their unit tests fire each alert), and
// the rules and the Grafana dashboard name only metrics this server declares.
TEST_F(HttpApiTest, AlertsAndDashboardUseOnlyMetricsTheServerDeclares) {
  const std::string deploy = source_dir() + "/deploy";
  const auto check = run_process({"promtool", "check", "rules", deploy + "/prometheus/alerts.yml"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const auto unit = run_process({"promtool", "test", "rules", deploy + "/prometheus/alerts_test.yml"});
  EXPECT_EQ(unit.exit_code, 0) << unit.out << unit.err;
  // The scrape configuration names a key file only the operator's host has: its syntax.
  const auto scrape =
      run_process({"promtool", "check", "config", "--syntax-only", deploy + "/prometheus/prometheus.yml"});
  EXPECT_EQ(scrape.exit_code, 0) << scrape.out << scrape.err;

  std::set<std::string> declared;
  const auto declare = [&declared](const std::string& exposition) {
    std::istringstream lines(exposition);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string hash, type, name, kind;
      if (!(words >> hash >> type >> name >> kind) || hash != "#" || type != "TYPE") continue;
      declared.insert(name);
      if (kind == "histogram") declared.insert({name + "_bucket", name + "_sum", name + "_count"});
    }
  };
  declare(to_reply(http_->Get("/metrics")).text);
  ASSERT_GT(declared.size(), 30u);
  // And what `walletctl notify` exposes on its own port (the dead-letter depth needs the queue
  // notify declares; a worker's figures are a part of serve's).
  auto mq = AmqpConnection::open(required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000));
  mq.declare_queue(daemon::notify_queues(Settings{}).dead_letters,
                   {.durable = true, .dead_letter_exchange = std::nullopt, .replicated = true});
  const Settings settings = db_.settings();
  daemon::NotifyMetrics notify_metrics(settings);
  const auto notify_exposition = notify_metrics.render();
  ASSERT_NE(notify_exposition.find("walletctl_notifications_dead_letter_depth "), std::string::npos);
  declare(notify_exposition);
  const auto promtool = run_process({"promtool", "check", "metrics"}, {}, notify_exposition);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.out << promtool.err;
  const auto expressions = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  const std::regex metric(R"(\b((walletctl|process)_[a-z_]+))");
  for (const auto& file : {deploy + "/prometheus/alerts.yml", deploy + "/grafana/walletctl.json"}) {
    const auto text = expressions(file);
    int named = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), metric), end; it != end; ++it, ++named) {
      EXPECT_TRUE(declared.count((*it)[1].str())) << (*it)[1].str() << " in " << file;
    }
    EXPECT_GT(named, 5) << file;
  }
  EXPECT_TRUE(json::parse(expressions(deploy + "/grafana/walletctl.json"), nullptr, false).is_object());
}

// GET /docs in a real browser (headless Chromium): the page loads its files from the server,
// renders /openapi.json, and lists every route of the document (which lists every route of the
// route table: RouterTest). Public like /openapi.json, without a key.
TEST_F(HttpApiTest, DocsPageListsEveryRouteInAHeadlessBrowser) {
  httplib::Client anonymous("127.0.0.1", server_.port());
  const auto page = anonymous.Get("/docs");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  for (const char* file : {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js"}) {
    const auto asset = anonymous.Get(file);
    ASSERT_TRUE(asset);
    EXPECT_EQ(asset->status, 200) << file;
    EXPECT_GT(asset->body.size(), 100u) << file;
  }
  const auto missing = anonymous.Get("/docs/secrets.txt");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  char profile[] = "/tmp/walletctl-chromium-XXXXXX";
  ASSERT_NE(mkdtemp(profile), nullptr);
  const auto dom = run_process({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                std::string("--user-data-dir=") + profile, "--virtual-time-budget=20000", "--dump-dom",
                                "http://127.0.0.1:" + std::to_string(server_.port()) + "/docs"},
                               {{"HOME", profile}});
  std::filesystem::remove_all(profile);
  ASSERT_EQ(dom.exit_code, 0) << dom.err.substr(0, 2000);
  std::ifstream file(source_dir() + "/docs/openapi.json");
  std::stringstream text;
  text << file.rdbuf();
  const auto doc = json::parse(text.str());
  ASSERT_GT(doc["paths"].size(), 20u);
  for (const auto& [path, item] : doc["paths"].items()) {
    EXPECT_NE(dom.out.find("data-path=\"" + path + "\""), std::string::npos) << path << " is not on the page";
  }
}

TEST_F(HttpApiTest, AnAddressInUseIsAConfigurationError) {
  const auto second =
      run_process({walletctl_path(), "--set", "http.listen=127.0.0.1:" + std::to_string(server_.port()), "serve"},
                  {{"DATABASE_URL", db_.url()}});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("cannot listen on"), std::string::npos) << second.err;
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(HttpApiTest, AuditPassesAfterApiTraffic) {
  const auto a = funded_wallet("alice", 500), b = create_wallet("bob");
  post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 200}});
  post("/withdraw", {{"wallet_id", b}, {"amount", 50}});
  const auto audit = run_process({walletctl_path(), "audit"}, {{"DATABASE_URL", db_.url()}});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

class HttpJsonLogTest : public HttpFixture {
 protected:
  HttpJsonLogTest() : HttpFixture({"log.format=json"}) {}
};

TEST_F(HttpJsonLogTest, EveryLogLineIsAJsonObjectAndRequestsCarryTheirFields) {
  post("/charge", {{"user_id", "alice"}, {"amount", 5}}, {{"X-Request-Id", "json-log-1"}});
  get("/wallets/x\nforged", {{"X-Request-Id", "json-log-2"}});
  get("/healthz");  // its response proves the lines above were written
  std::istringstream lines(server_.log());
  std::string line;
  int requests = 0;
  bool saw_charge = false;
  while (std::getline(lines, line)) {
    const auto event = json::parse(line, nullptr, false);
    ASSERT_TRUE(event.is_object()) << line;
    EXPECT_TRUE(event.contains("time") && event.contains("level") && event.contains("msg")) << line;
    if (event["msg"] != "request") continue;
    ++requests;
    if (event.value("request_id", "") == "json-log-1") {
      saw_charge = true;
      EXPECT_EQ(event["route"], "/charge");
      EXPECT_EQ(event["status"], 201);
      EXPECT_EQ(event["method"], "POST");
      EXPECT_TRUE(event["duration_ms"].is_number());
    }
  }
  EXPECT_TRUE(saw_charge);
  EXPECT_GE(requests, 2);
  EXPECT_EQ(server_.log().find("\"amount\""), std::string::npos);  // bodies are never logged
}

TEST_F(HttpApiTest, SigintStopsCleanly) {
  get("/healthz");
  server_.send_signal(SIGINT);
  EXPECT_EQ(server_.wait_exit(std::chrono::seconds(15)), 0);
  EXPECT_NE(server_.log().find("signal=SIGINT"), std::string::npos);
}

}  // namespace
}  // namespace wallet::testing
