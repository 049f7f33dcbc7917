// A table of malformed requests, at the JSON, HTTP and socket level: each gets its 4xx
// problem, none gets a 5xx, and none changes anything in the ledger.
#include "tests/support/http_fixture.hpp"
#include "tests/support/loopback_socket.hpp"

namespace wallet::testing {
namespace {

using nlohmann::json;

struct BadRequest {
  std::string method, path, content_type, body;
  int status;
  std::string code;
  httplib::Headers headers = {};
};

// Sends raw bytes and returns the status code of the response's first line (0 if none).
int raw_status(int port, const std::string& bytes) {
  const int fd = connect_loopback(port);
  if (fd < 0) return 0;
  (void)!write(fd, bytes.data(), bytes.size());
  shutdown(fd, SHUT_WR);
  std::string reply;
  char buf[4096];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<std::size_t>(n));
  close(fd);
  if (reply.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return std::stoi(reply.substr(9, 3));
}

class HttpBadInputTest : public HttpFixture {
 protected:
  // Everything a request could change, as one comparable string.
  std::string ledger_state() {
    auto conn = db_.connect();
    static constexpr const char* kState =
        "SELECT (SELECT string_agg(id::text || '=' || balance, ',' ORDER BY id) FROM wallets) || '|' || "
        "(SELECT count(*) FROM transactions) || '|' || (SELECT count(*) FROM ledger_entries) || '|' || "
        "(SELECT count(*) FROM withdrawals) || '|' || (SELECT count(*) FROM idempotency_keys) || '|' || "
        "(SELECT count(*) FROM outbox) || '|' || (SELECT count(*) FROM holds)";
    return conn.exec(kState).str(0, 0);
  }
};

TEST_F(HttpBadInputTest, MalformedRequestsGetA4xxAndChangeNothing) {
  const auto a = funded_wallet("alice", 1000), b = create_wallet("bob");
  const std::string w = R"("wallet_id":")" + a + R"(")";
  const std::string t = R"("sender_id":")" + a + R"(","receiver_id":")" + b + R"(")";
  const std::string J = "application/json";
  const std::vector<BadRequest> cases = {
      // Bodies that are not a JSON object.
      {"POST", "/charge", J, "", 400, "invalid_json"},
      {"POST", "/charge", J, "{", 400, "invalid_json"},
      {"POST", "/charge", J, "{\"amount\":}", 400, "invalid_json"},
      {"POST", "/charge", J, "null", 400, "invalid_json"},
      {"POST", "/charge", J, "[1,2]", 400, "invalid_json"},
      {"POST", "/transfers", J, "{\"amount\":1e00615}", 400, "invalid_json"},  // a 500 the fuzzer found
      {"POST", "/charge", J, "\"text\"", 400, "invalid_json"},
      {"POST", "/charge", J, "123", 400, "invalid_json"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5}}", 400, "invalid_json"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"amount\":500}", 400, "invalid_json"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":{\"a\":{\"b\":1}}}", 400, "invalid_json"},
      {"POST", "/charge", J, "{\"user_id\":\"\xc3\x28\",\"amount\":5}", 400, "invalid_json"},
      {"POST", "/charge", J, "{\"user_id\":\"ok\",\"amount\":5,\"reference\":\"\xed\xa0\x80\"}", 400, "invalid_json"},
      {"POST", "/charge", J, "{'wallet_id':'" + a + "','amount':5}", 400, "invalid_json"},
      {"POST", "/charge", J, std::string(5000, '['), 400, "invalid_json"},
      // Fields.
      {"POST", "/charge", J, "{" + w + "}", 400, "missing_field"},
      {"POST", "/charge", J, "{\"amount\":5}", 400, "missing_field"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"ammount\":5}", 400, "unknown_field"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"status\":\"completed\"}", 400, "unknown_field"},
      {"POST", "/charge", J, "{" + w + ",\"user_id\":\"alice\",\"amount\":5}", 400, "invalid_input"},
      // Amounts.
      {"POST", "/charge", J, "{" + w + ",\"amount\":1.0}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":0.5}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":1e2}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":\"5\"}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":0}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":-1}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":-9223372036854775808}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":1000000000000001}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":9223372036854775807}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":9223372036854775808}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":99999999999999999999999}", 400, "invalid_amount"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":true}", 400, "invalid_amount"},
      {"POST", "/transfers", J, "{" + t + ",\"amount\":[5]}", 400, "invalid_amount"},
      {"POST", "/withdraw", J, "{" + w + ",\"amount\":NaN}", 400, "invalid_json"},
      {"POST", "/withdraw", J, "{" + w + ",\"amount\":Infinity}", 400, "invalid_json"},
      // Ids and strings.
      {"POST", "/transfers", J, "{\"sender_id\":\"x\",\"receiver_id\":\"" + b + "\",\"amount\":5}", 400,
       "invalid_wallet_id"},
      {"POST", "/transfers", J, "{\"sender_id\":\"" + a + "\",\"receiver_id\":\"" + b + "0\",\"amount\":5}", 400,
       "invalid_wallet_id"},
      {"POST", "/transfers", J, "{\"sender_id\":\"" + a + "\",\"receiver_id\":12345,\"amount\":5}", 400,
       "invalid_wallet_id"},
      {"POST", "/transfers", J, "{\"sender_id\":\"{" + a.substr(1) + "\",\"receiver_id\":\"" + b + "\",\"amount\":5}",
       400, "invalid_wallet_id"},
      {"POST", "/charge", J, "{\"user_id\":\"" + std::string(129, 'x') + "\",\"amount\":5}", 400, "invalid_user_id"},
      {"POST", "/charge", J, "{\"user_id\":\"tab\\there\",\"amount\":5}", 400, "invalid_user_id"},
      {"POST", "/charge", J, "{\"user_id\":\"\",\"amount\":5}", 400, "invalid_user_id"},
      {"POST", "/charge", J, "{\"user_id\":false,\"amount\":5}", 400, "invalid_user_id"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"currency\":\"DOLLARS\"}", 400, "invalid_currency"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"currency\":\"ZZZ\"}", 400, "invalid_currency"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"release_at\":\"2030-13-01T00:00:00Z\"}", 400,
       "invalid_release_at"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"release_at\":\"1999-01-01T00:00:00Z\"}", 400,
       "invalid_release_at"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"reference\":\"" + std::string(300, 'r') + "\"}", 400,
       "invalid_reference"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"idempotency_key\":\"" + std::string(300, 'k') + "\"}", 400,
       "invalid_idempotency_key"},
      {"POST", "/charge", J, "{" + w + ",\"amount\":5,\"idempotency_key\":\"a\\u0001b\"}", 400,
       "invalid_idempotency_key"},
      {"POST",
       "/charge",
       J,
       "{" + w + ",\"amount\":5,\"idempotency_key\":\"body\"}",
       400,
       "invalid_idempotency_key",
       {{"Idempotency-Key", "header"}}},
      {"POST",
       "/charge",
       J,
       "{" + w + ",\"amount\":5}",
       400,
       "invalid_idempotency_key",
       {{"Idempotency-Key", std::string(300, 'h')}}},
      {"POST", "/wallets", J, "{\"user_id\":\"z\",\"currency\":\"usdx\"}", 400, "invalid_currency"},
      {"POST", "/wallets", J, "{\"user_id\":[\"z\"]}", 400, "invalid_user_id"},
      // Rules that forbid the operation.
      {"POST", "/transfers", J, "{" + t + ",\"amount\":1001}", 422, "insufficient_funds"},
      {"POST", "/withdraw", J, "{" + w + ",\"amount\":1000000000000000}", 422, "insufficient_funds"},
      {"POST", "/transfers", J, "{\"sender_id\":\"" + a + "\",\"receiver_id\":\"" + a + "\",\"amount\":5}", 422,
       "same_wallet"},
      {"POST", "/wallets", J, "{\"user_id\":\"alice\"}", 409, "wallet_exists"},
      // Media types, paths, methods and queries.
      {"POST", "/charge", "text/plain", "{" + w + ",\"amount\":5}", 415, "unsupported_media_type"},
      {"POST", "/charge", "application/x-www-form-urlencoded", "amount=5", 415, "unsupported_media_type"},
      {"POST", "/charge", "application/jsonp", "{" + w + ",\"amount\":5}", 415, "unsupported_media_type"},
      {"POST", "/charge", J, std::string(65537, ' '), 413, "payload_too_large"},
      {"GET", "/wallets/" + a + "/transactionz", "", "", 404, "not_found"},
      {"GET", "/wallet/" + a, "", "", 404, "not_found"},
      {"GET", "/wallets/../../etc/passwd", "", "", 404, "not_found"},
      {"PUT", "/wallets/" + a, J, "{}", 405, "method_not_allowed"},
      {"DELETE", "/wallets/" + a, "", "", 405, "method_not_allowed"},
      {"PATCH", "/charge", J, "{}", 405, "method_not_allowed"},
      {"GET", "/charge", "", "", 405, "method_not_allowed"},
      {"GET", "/wallets/" + a + "?limit=5", "", "", 400, "unknown_field"},
      {"GET", "/wallets/" + a + "/transactions?limit=5&limit=6", "", "", 400, "invalid_request"},
      {"GET", "/wallets/" + a + "/transactions?cursor=!!!", "", "", 400, "invalid_cursor"},
      {"GET", "/wallets/" + a + "/transactions?limit=99999999999999999999", "", "", 400, "invalid_limit"},
      {"GET", "/balance/%00alice", "", "", 400, "invalid_user_id"},
      {"GET", "/balance/alice?currency=12", "", "", 400, "invalid_currency"},
      {"GET", "/withdrawals/" + a + "x", "", "", 400, "invalid_withdrawal_id"},
  };
  ASSERT_GE(cases.size(), 60u);
  const auto before = ledger_state();
  for (const auto& c : cases) {
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    req.headers = c.headers;
    req.body = c.body;
    if (!c.content_type.empty()) req.set_header("Content-Type", c.content_type);
    const auto reply = to_reply(http_->send(req));
    const std::string what = c.method + " " + c.path.substr(0, 80) + " " + c.body.substr(0, 120);
    EXPECT_EQ(reply.status, c.status) << what << "\n" << reply.text.substr(0, 300);
    EXPECT_EQ(reply.body.value("code", ""), c.code) << what;
  }
  EXPECT_EQ(ledger_state(), before);

  // Below JSON: broken HTTP. The server answers 4xx (or closes) and keeps serving.
  const int port = server_.port();
  for (const std::string& raw : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /healthz HTTP/9.9\r\n\r\n"),
           std::string("BREW /wallets HTTP/1.1\r\nHost: x\r\n\r\n"),
           "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
           "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n",
           std::string(
               "POST /charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n"),
           std::string("POST /charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
           std::string(
               "POST /charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"),
       }) {
    const int status = raw_status(port, raw);
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << status << " for " << raw.substr(0, 60);
  }
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(ledger_state(), before);
  EXPECT_EQ(get("/metrics").text.find("status=\"5"), std::string::npos);
}

class SlowClientTest : public HttpFixture {
 protected:
  SlowClientTest() : HttpFixture({"http.read_timeout=1"}) {}
};

// A client that sends half a request and stalls (slowloris) is cut off after http.read_timeout,
// and serving others goes on meanwhile.
TEST_F(SlowClientTest, AStalledRequestIsCutOffAfterTheReadTimeout) {
  const int fd = connect_loopback(server_.port());
  ASSERT_GE(fd, 0);
  const std::string half = "POST /charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  ASSERT_EQ(write(fd, half.data(), half.size()), static_cast<ssize_t>(half.size()));
  EXPECT_EQ(get("/healthz").status, 200);
  // The server ends the connection (EOF) well before our own 10 s receive timeout would.
  char buf[512];
  ssize_t n = 0;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
  }
  EXPECT_EQ(n, 0) << "the server kept the stalled connection open";
  close(fd);
}

}  // namespace
}  // namespace wallet::testing
