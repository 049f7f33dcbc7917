// Requests meant to cost the server memory or series, sent without any API key: each is
// refused at its bound, before authentication, with a problem document, and the connection is
// closed. Reproduced from outside: a 400 MiB chunked body drove serve from 19 to 525 MiB
// before its answer, and 200 made-up methods created 200 metric series.
#include <fstream>
#include <future>
#include <thread>

#include "tests/support/http_fixture.hpp"
#include "tests/support/loopback_socket.hpp"
#include "tests/support/process.hpp"

namespace wallet::testing {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// A raw TCP client on loopback: sends whatever it is given and reads whatever comes back.
// (A failed connect leaves fd_ at -1: every send and read then fails.)
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(connect_loopback(port)) {}
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return fd_ >= 0; }
  /// False once the server closed or reset the connection (or stopped reading for 10 s).
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// One response: its head and a body of its Content-Length, without waiting for the close.
  std::string read_response() {
    std::string reply;
    char buf[4096];
    for (;;) {
      const auto head_end = reply.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto at = reply.find("Content-Length: ");
        const auto length = at == std::string::npos ? 0 : std::stoul(reply.substr(at + 16));
        if (reply.size() >= head_end + 4 + length) return reply;
      }
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return reply;
      reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  /// Everything the server sends until it closes (or 10 s of silence).
  std::string read_all() {
    std::string reply;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<std::size_t>(n));
    return reply;
  }

 private:
  int fd_;
};

// The most memory the server process has held so far (VmHWM), in bytes.
std::size_t peak_rss(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

class HttpHostileInputTest : public HttpFixture {
 protected:
  HttpHostileInputTest() : HttpFixture({"http.max_body_bytes=65536"}) {}
  static constexpr const char* kChargeHead =
      "POST /charge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
};

TEST_F(HttpHostileInputTest, AChunkedBodyIsRefusedAtTheBoundNotReadWhole) {
  const auto before = peak_rss(server_.pid());
  RawConnection c(server_.port());
  ASSERT_TRUE(c.connected());
  // The answer is read while the body goes out: the server answers, then closes on the rest.
  auto reply = std::async(std::launch::async, [&c] { return c.read_all(); });
  ASSERT_TRUE(c.send_all(std::string(kChargeHead) + "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "100000\r\n" + std::string(kMiB, ' ') + "\r\n";  // 1 MiB a chunk
  std::size_t sent = 0;
  while (sent < 400 * kMiB && c.send_all(chunk)) sent += kMiB;
  const auto answer = reply.get();
  EXPECT_LT(sent, 32 * kMiB) << "the server kept reading";
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("payload_too_large"), std::string::npos);
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
  EXPECT_LT(peak_rss(server_.pid()) - before, 16 * kMiB);
}

TEST_F(HttpHostileInputTest, ADeclaredLengthPastTheBoundIsRefusedBeforeTheBody) {
  RawConnection c(server_.port());
  ASSERT_TRUE(c.send_all(std::string(kChargeHead) + "Content-Length: 419430400\r\n\r\n{"));
  const auto answer = c.read_all();  // no more of the body is sent: the answer cannot wait for it
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 300);
  RawConnection overflow(server_.port());
  ASSERT_TRUE(overflow.send_all(std::string(kChargeHead) + "Content-Length: 99999999999999999999999\r\n\r\n"));
  EXPECT_EQ(overflow.read_all().rfind("HTTP/1.1 413", 0), 0u);
}

TEST_F(HttpHostileInputTest, ACompressedBodyCountsInflated) {
  // 64 MiB of spaces, about 64 KiB gzipped: under the bound as sent, far over it inflated.
  const auto gz = run_process({"/bin/sh", "-c", "head -c 67108864 /dev/zero | tr '\\000' ' ' | gzip -c"});
  ASSERT_EQ(gz.exit_code, 0);
  ASSERT_LT(gz.out.size(), 65536u);
  const auto before = peak_rss(server_.pid());
  RawConnection c(server_.port());
  ASSERT_TRUE(c.send_all(std::string(kChargeHead) + "Content-Encoding: gzip\r\nContent-Length: " +
                         std::to_string(gz.out.size()) + "\r\n\r\n" + gz.out));
  const auto answer = c.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 300);
  EXPECT_LT(peak_rss(server_.pid()) - before, 16 * kMiB);
}

TEST_F(HttpHostileInputTest, TooManyOrTooLargeHeadersAre431) {
  std::string many = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-Filler-" + std::to_string(i) + ": x\r\n";
  RawConnection a(server_.port());
  ASSERT_TRUE(a.send_all(many + "\r\n"));
  const auto refused = a.read_all();
  EXPECT_EQ(refused.rfind("HTTP/1.1 431", 0), 0u) << refused.substr(0, 300);
  EXPECT_NE(refused.find("headers_too_large"), std::string::npos);
  std::string large = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 10; ++i) large += "X-Filler-" + std::to_string(i) + ": " + std::string(2000, 'x') + "\r\n";
  RawConnection b(server_.port());
  ASSERT_TRUE(b.send_all(large + "\r\n"));
  EXPECT_EQ(b.read_all().rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(get("/healthz").status, 200);  // and the server serves on
}

TEST_F(HttpHostileInputTest, ABodyOnAGetIsRefused) {
  RawConnection c(server_.port());
  ASSERT_TRUE(c.send_all("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
  const auto answer = c.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("invalid_request"), std::string::npos);
}

TEST_F(HttpHostileInputTest, MadeUpMethodsCreateNoMetricSeries) {
  for (int i = 0; i < 50; ++i) {
    RawConnection c(server_.port());
    ASSERT_TRUE(c.send_all("BREW" + std::to_string(i) + " /wallets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    EXPECT_EQ(c.read_response().rfind("HTTP/1.1 405", 0), 0u);
  }
  const auto metrics = get("/metrics").text;
  EXPECT_EQ(metrics.find("BREW"), std::string::npos);
  EXPECT_NE(metrics.find("method=\"other\""), std::string::npos);
}

// Reproduced from outside: clients that each send a byte of their request just before every
// read would time out (http.read_timeout) held a request thread each for as long as they liked;
// as many of them as threads held the whole service. The request must now arrive whole within
// http.request_timeout, and a client trickling it is cut there.
class HttpSlowClientTest : public HttpFixture {
 protected:
  HttpSlowClientTest() : HttpFixture({"http.threads=4", "http.read_timeout=3", "http.request_timeout=2"}) {}
};

TEST_F(HttpSlowClientTest, ClientsTricklingTheirRequestsAreCutAndOthersAreServed) {
  constexpr int kSlowClients = 4;  // one per request thread
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlowClients; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_.port()));
    ASSERT_TRUE(slow.back()->send_all("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  }
  // Each sends a byte every 500 ms, well within the read timeout, for at most 15 s.
  std::atomic<int> cut{0};
  std::vector<std::thread> tricklers;
  for (auto& c : slow) {
    tricklers.emplace_back([&cut, conn = c.get()] {
      for (int i = 0; i < 30; ++i) {
        if (!conn->send_all("x")) return void(++cut);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the slow client under test
      }
    });
  }
  auto patient = server_.client();
  patient->set_read_timeout(10, 0);
  const auto started = std::chrono::steady_clock::now();
  const auto answer = to_reply(patient->Get("/healthz"));
  const auto waited = std::chrono::steady_clock::now() - started;
  for (auto& t : tricklers) t.join();
  EXPECT_EQ(answer.status, 200);
  EXPECT_LT(waited, std::chrono::seconds(10));  // served once the slow clients were cut, not after
  EXPECT_EQ(cut, kSlowClients);                  // each was cut before it finished trickling
  EXPECT_NE(get("/metrics").text.find("walletctl_http_connections_cut_total " + std::to_string(kSlowClients)),
            std::string::npos);
}

}  // namespace
}  // namespace wallet::testing
