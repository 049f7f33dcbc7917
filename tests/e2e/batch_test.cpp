// POST /batches against a real `walletctl serve`: each operation answered as its single route
// would, independent and atomic modes, replays, what refuses a whole batch, a body bounded
// before authentication, and operations counted against the API key's scope and rate.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <fstream>
#include <sstream>

#include "core/api_keys.hpp"
#include "tests/support/cli_fixture.hpp"
#include "tests/support/http_fixture.hpp"
#include "tests/support/loopback_socket.hpp"
#include "tests/support/openapi_schema.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

class BatchTest : public HttpFixture {
 protected:
  explicit BatchTest(std::vector<std::string> settings = {"auth.rate_burst=100000", "auth.rate_per_second=100000"})
      : HttpFixture(std::move(settings)) {}
  HttpReply batch(const std::string& mode, const json& operations, const httplib::Headers& headers = {}) {
    return post("/batches", {{"mode", mode}, {"operations", operations}}, headers);
  }
  static json transfer(const std::string& from, const std::string& to, std::int64_t amount, const std::string& key) {
    return {{"op", "transfer"}, {"sender_id", from}, {"receiver_id", to}, {"amount", amount}, {"idempotency_key", key}};
  }
  std::string ledger_state() {
    auto conn = db_.connect();
    static constexpr const char* kState =
        "SELECT (SELECT count(*) FROM transactions) || '/' || (SELECT count(*) FROM idempotency_keys) || '/' || "
        "(SELECT count(*) FROM pending_transfers) || '/' || (SELECT string_agg(balance::text, ',' ORDER BY id) "
        "FROM wallets)";
    return conn.exec(kState).str(0, 0);
  }
  // Each result's status, in order.
  static std::vector<int> statuses(const HttpReply& r) {
    std::vector<int> out;
    for (const auto& result : r.body["results"]) out.push_back(result["status"]);
    return out;
  }
};

TEST_F(BatchTest, IndependentAppliesEachThatCanAndAnswersEachAsItsRouteWould) {
  const auto a = funded_wallet("alice", 10'000), b = create_wallet("bob");
  const auto paid = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 500}});
  const auto held = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 300}, {"pending", true}});
  const auto held_too = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 200}, {"pending", true}});
  ASSERT_EQ(held_too.status, 201) << held_too.text;
  const json ops = {
      {{"op", "charge"}, {"wallet_id", b}, {"amount", 1'000}, {"idempotency_key", "k-charge"}},
      transfer(a, b, 100, "k-transfer"),
      {{"op", "pending"}, {"sender_id", a}, {"receiver_id", b}, {"amount", 50}, {"idempotency_key", "k-pending"}},
      {{"op", "capture"}, {"transfer_id", held.body["id"]}, {"amount", 120}, {"idempotency_key", "k-capture"}},
      {{"op", "void"}, {"transfer_id", held_too.body["id"]}, {"idempotency_key", "k-void"}},
      {{"op", "reversal"}, {"transaction_id", paid.body["id"]}, {"amount", 40}, {"idempotency_key", "k-reversal"}},
      {{"op", "withdraw"}, {"wallet_id", b}, {"amount", 10}, {"idempotency_key", "k-withdraw"}},
      transfer(b, a, 1'000'000, "k-too-much"),                                           // refused by the ledger
      {{"op", "charge"}, {"wallet_id", b}, {"amount", 1.5}, {"idempotency_key", "k-bad"}},  // by its decoder
      {{"op", "transfer"}, {"sender_id", a}, {"receiver_id", b}, {"amount", 1}},          // no key
      {{"op", "charge"}, {"wallet_id", b}, {"amount", 1}, {"idempotency_key", "k-x"}, {"colour", "red"}},
  };
  const auto r = batch("independent", ops);
  ASSERT_EQ(r.status, 200) << r.text;
  expect_schema_keys(r.body, "BatchResponse");
  EXPECT_EQ(statuses(r), (std::vector<int>{201, 201, 201, 200, 200, 201, 202, 422, 400, 400, 400}));
  EXPECT_EQ(r.body["succeeded"], 7);
  EXPECT_EQ(r.body["refused"], 4);
  const auto& res = r.body["results"];
  expect_schema_keys(res[0]["body"], "Transaction");
  expect_schema_keys(res[2]["body"], "PendingTransfer");
  expect_schema_keys(res[6]["body"], "Withdrawal");
  EXPECT_EQ(res[3]["body"]["state"], "posted");
  EXPECT_EQ(res[3]["body"]["captured_amount"], 120);
  EXPECT_EQ(res[4]["body"]["state"], "voided");
  EXPECT_EQ(res[7]["body"]["code"], "insufficient_funds");
  expect_schema_keys(res[7]["body"], "Problem");
  EXPECT_EQ(res[8]["body"]["code"], "invalid_amount");
  EXPECT_EQ(res[9]["body"]["code"], "missing_field");
  EXPECT_EQ(res[10]["body"]["code"], "unknown_field");
  // alice: 10,000 - 500 paid - 100 - 120 captured + 40 reversed, with 50 pending out.
  EXPECT_EQ(balance(a), 10'000 - 500 - 100 - 120 + 40);
  EXPECT_EQ(get("/wallets/" + a).body["pending_out"], 50);
  EXPECT_EQ(balance(b), 500 + 1'000 + 100 + 120 - 40 - 10);

  // The same batch again: nothing moves, and each answer is what it was, marked replayed.
  const auto before = ledger_state();
  const auto again = batch("independent", ops);
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(ledger_state(), before);
  EXPECT_EQ(statuses(again), statuses(r));
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(again.body["results"][i].value("replayed", false), true) << i;
    EXPECT_EQ(again.body["results"][i]["body"]["id"], res[i]["body"]["id"]) << i;
  }
  // A key of the batch is a key like any other: the single route replays it too.
  const auto single = post("/transfers", {{"sender_id", a}, {"receiver_id", b}, {"amount", 100}},
                           {{"Idempotency-Key", "k-transfer"}});
  EXPECT_EQ(single.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(single.body["id"], res[1]["body"]["id"]);
}

TEST_F(BatchTest, AtomicAppliesAllOrNoneAndARefusalClaimsNoKey) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const auto before = ledger_state();
  const json refused_by_ledger = {transfer(a, b, 600, "t1"), transfer(a, b, 600, "t2"), transfer(b, a, 1, "t3")};
  const auto r = batch("atomic", refused_by_ledger);
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(statuses(r), (std::vector<int>{424, 422, 424}));
  EXPECT_EQ(r.body["results"][0]["body"]["code"], "batch_aborted");
  EXPECT_NE(r.body["results"][0]["body"]["detail"].get<std::string>().find("operations[1]"), std::string::npos);
  EXPECT_EQ(r.body["succeeded"], 0);
  EXPECT_EQ(ledger_state(), before) << "an atomic batch with a refusal changed the ledger";

  const json refused_by_decoder = {transfer(a, b, 1, "t1"), {{"op", "transfer"}, {"amount", 1}}};
  EXPECT_EQ(statuses(batch("atomic", refused_by_decoder)), (std::vector<int>{424, 400}));
  EXPECT_EQ(ledger_state(), before);

  // Its keys were never claimed: the corrected batch applies in full, not as replays.
  const json fixed = {transfer(a, b, 600, "t1"), transfer(a, b, 400, "t2"), transfer(b, a, 1, "t3")};
  const auto ok = batch("atomic", fixed);
  EXPECT_EQ(statuses(ok), (std::vector<int>{201, 201, 201}));
  EXPECT_FALSE(ok.body["results"][0].contains("replayed"));
  EXPECT_EQ(balance(a), 1);
  EXPECT_EQ(balance(b), 999);
  const auto replay = batch("atomic", fixed);
  EXPECT_EQ(statuses(replay), (std::vector<int>{201, 201, 201}));
  EXPECT_EQ(replay.body["results"][2].value("replayed", false), true);
  EXPECT_EQ(balance(a), 1);
}

TEST_F(BatchTest, ConcurrentBatchesKeepEveryUnitOfMoney) {
  constexpr int kWallets = 6, kClients = 6, kBatches = 8, kPerBatch = 25;
  std::vector<std::string> wallets;
  for (int i = 0; i < kWallets; ++i) wallets.push_back(funded_wallet("user-" + std::to_string(i), 1'000));
  std::vector<std::thread> clients;
  std::atomic<int> applied{0}, answered{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto http = server_.client();
      for (int n = 0; n < kBatches; ++n) {
        json ops = json::array();
        for (int i = 0; i < kPerBatch; ++i) {
          const auto from = (c + i) % kWallets, to = (c + i + 1 + n % (kWallets - 1)) % kWallets;
          ops.push_back(transfer(wallets[from], wallets[to == from ? (to + 1) % kWallets : to], 1 + (i % 7),
                                 "c" + std::to_string(c) + "-" + std::to_string(n) + "-" + std::to_string(i)));
        }
        const auto r = to_reply(http->Post("/batches", json{{"mode", n % 2 ? "atomic" : "independent"}, {"operations", ops}}.dump(),
                                           "application/json"));
        if (r.status == 200) {
          ++answered;
          applied += r.body["succeeded"].get<int>();
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered, kClients * kBatches);
  std::int64_t total = 0;
  for (const auto& w : wallets) total += balance(w);
  EXPECT_EQ(total, kWallets * 1'000);
  auto conn = db_.connect();
  EXPECT_EQ(conn.exec("SELECT count(*) FROM transactions WHERE kind = 'transfer'").int64(0, 0), applied.load());
}

TEST_F(BatchTest, WhatIsWrongWithTheWholeBatchIsOneProblemAndChangesNothing) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const auto before = ledger_state();
  const auto problem = [&](const std::string& body) {
    const auto r = to_reply(http_->Post("/batches", body, "application/json"));
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << body;
    return std::to_string(r.status) + " " + r.body.value("code", "");
  };
  const auto op = transfer(a, b, 1, "k").dump();
  EXPECT_EQ(problem("{\"operations\": [" + op + "]}"), "400 missing_field");
  EXPECT_EQ(problem("{\"mode\": \"sometimes\", \"operations\": [" + op + "]}"), "400 invalid_input");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"operations\": []}"), "400 invalid_input");
  EXPECT_EQ(problem("{\"mode\": \"atomic\"}"), "400 missing_field");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"operations\": [" + op + ", 7]}"), "400 invalid_input");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"operations\": {}}"), "400 invalid_input");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"mode\": \"atomic\", \"operations\": [" + op + "]}"), "400 invalid_json");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"extra\": 1, \"operations\": [" + op + "]}"), "400 unknown_field");
  EXPECT_EQ(problem("{\"mode\": \"atomic\", \"operations\": [" + op + "]"), "400 invalid_json");
  EXPECT_EQ(problem("[" + op + "]"), "400 invalid_json");
  EXPECT_EQ(ledger_state(), before);
}

class SmallBatchTest : public BatchTest {
 protected:
  SmallBatchTest()
      : BatchTest({"http.max_batch_operations=3", "http.max_batch_body_bytes=2048", "http.max_body_bytes=256"}) {}
};

TEST_F(SmallBatchTest, BatchesPastTheirBoundsAreRefusedWhole) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const json four = {transfer(a, b, 1, "1"), transfer(a, b, 1, "2"), transfer(a, b, 1, "3"), transfer(a, b, 1, "4")};
  const auto r = batch("independent", four);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.value("code", ""), "batch_too_large");
  // Larger than a single route's body (256) is fine for a batch, up to its own bound.
  const json three = {transfer(a, b, 1, "1"), transfer(a, b, 1, "2"), transfer(a, b, 1, "3")};
  ASSERT_GT(json({{"mode", "independent"}, {"operations", three}}).dump().size(), 256u);
  EXPECT_EQ(statuses(batch("independent", three)), (std::vector<int>{201, 201, 201}));
  json padded = three;
  padded[0]["reference"] = std::string(200, 'x');
  padded[1]["reference"] = std::string(200, 'y');
  padded[2]["metadata"] = {{"a", std::string(500, 'z')}, {"b", std::string(500, 'w')}, {"c", std::string(500, 'v')}};
  ASSERT_GT(json({{"mode", "independent"}, {"operations", padded}}).dump().size(), 2048u);
  const auto large = batch("independent", padded);
  EXPECT_EQ(large.status, 413);
  EXPECT_EQ(large.body.value("code", ""), "payload_too_large");
  EXPECT_EQ(balance(b), 3);
}

// A caller without a key learns so before a byte of a batch's body is read: the server answers
// 401 to the headers alone and closes the connection.
TEST_F(SmallBatchTest, TheBodyOfABatchIsReadOnlyForAnAdmittedCaller) {
  const int fd = connect_loopback(server_.port());
  ASSERT_GE(fd, 0);
  const std::string head =
      "POST /batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer.substr(0, 300);
  // Past the batch's own bound the declared length is refused before anything, key or not.
  const auto r = to_reply(http_->Post("/batches", std::string(4096, ' '), "application/json"));
  EXPECT_EQ(r.status, 413);
}

class BatchAuthTest : public BatchTest {
 protected:
  // Every key's bucket is small, the fixture's own admin key's too: balances are read through the CLI.
  BatchAuthTest() : BatchTest({"auth.rate_burst=5", "auth.rate_per_second=1"}) {}
  std::string key(const char* name, ApiScope scope) {
    auto conn = db_.connect();
    return "Bearer " + ApiKeyStore(conn).create(name, scope, std::nullopt).secret;
  }
};

TEST_F(BatchAuthTest, EachOperationIsAuthorisedAndCountedLikeARequest) {
  const auto a = funded_wallet("alice", 1'000), b = create_wallet("bob");
  const auto writer = key("writer", ApiScope::kWrite);
  const json mixed = {transfer(a, b, 5, "w1"), {{"op", "charge"}, {"wallet_id", b}, {"amount", 9}, {"idempotency_key", "w2"}}};
  const auto r = batch("independent", mixed, {{"Authorization", writer}});
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(statuses(r), (std::vector<int>{201, 403}));
  EXPECT_EQ(r.body["results"][1]["body"]["code"], "forbidden");
  EXPECT_EQ(balance_via_cli(b), 5);
  // Two operations came out of a burst of five; a batch of six can never fit it.
  const json six = {transfer(a, b, 1, "s1"), transfer(a, b, 1, "s2"), transfer(a, b, 1, "s3"),
                    transfer(a, b, 1, "s4"), transfer(a, b, 1, "s5"), transfer(a, b, 1, "s6")};
  const auto too_many = batch("independent", six, {{"Authorization", writer}});
  EXPECT_EQ(too_many.status, 400);
  EXPECT_EQ(too_many.body.value("code", ""), "batch_too_large");
  const json four = {transfer(a, b, 1, "f1"), transfer(a, b, 1, "f2"), transfer(a, b, 1, "f3"), transfer(a, b, 1, "f4")};
  const auto limited = batch("independent", four, {{"Authorization", writer}});
  EXPECT_EQ(limited.status, 429) << limited.text;
  EXPECT_GE(std::stoi(limited.header("Retry-After")), 1);
  EXPECT_EQ(balance_via_cli(b), 5);
}

// `walletctl batch FILE`: the same operations, one a line, with the same answers and exit codes.
class BatchCliTest : public CliFixture {
 protected:
  std::string file(const std::vector<json>& lines) {
    const auto path = ::testing::TempDir() + "batch-" + std::to_string(++files_) + ".ndjson";
    std::ofstream out(path);
    for (const auto& l : lines) out << l.dump() << "\n\n";  // blank lines are skipped
    return path;
  }
  std::int64_t balance(const std::string& id) { return ok_json({"balance", id}).value("balance", -1); }
  static std::vector<json> results(const std::string& out) {
    std::vector<json> rows;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line, nullptr, false));
    return rows;
  }
  int files_ = 0;
};

TEST_F(BatchCliTest, AppliesAFileAsPostBatchesWouldAndExitsByItsWorstLine) {
  const std::string a = ok_json({"create", "--user", "alice"})["id"], b = ok_json({"create", "--user", "bob"})["id"];
  const auto charge = json{{"op", "charge"}, {"wallet_id", a}, {"amount", 500}, {"idempotency_key", "c1"}};
  const auto pay = json{{"op", "transfer"}, {"sender_id", a}, {"receiver_id", b}, {"amount", 200}, {"idempotency_key", "c2"}};
  const auto too_much =
      json{{"op", "transfer"}, {"sender_id", b}, {"receiver_id", a}, {"amount", 9'999}, {"idempotency_key", "c3"}};
  const auto path = file({charge, pay, too_much});

  auto r = cli({"--output", "json", "batch", "--atomic", path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto rows = results(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0]["status"], 424);
  EXPECT_EQ(rows[2]["line"], 5);
  EXPECT_EQ(rows[2]["body"]["code"], "insufficient_funds");
  EXPECT_EQ(balance(a), 0);

  r = cli({"--output", "json", "batch", path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  rows = results(r.out);
  EXPECT_EQ(rows[0]["status"], 201);
  EXPECT_EQ(rows[1]["status"], 201);
  EXPECT_EQ(balance(a), 300);
  EXPECT_EQ(balance(b), 200);

  r = cli({"--output", "json", "batch", file({charge, pay})});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(results(r.out)[1].value("replayed", false), true);
  EXPECT_EQ(balance(a), 300);

  // A file that is no batch changes nothing and exits 2.
  EXPECT_EQ(cli({"batch", ::testing::TempDir() + "no-such-file.ndjson"}).exit_code, 2);
  EXPECT_EQ(cli({"batch", file({})}).exit_code, 2);
  EXPECT_EQ(cli({"--set", "http.max_batch_operations=1", "batch", file({charge, pay})}).exit_code, 2);
}

}  // namespace
}  // namespace wallet::testing
