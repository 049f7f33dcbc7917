// The ceiling of this HTTP stack for `scripts/bench reads`: cpp-httplib configured as
// `walletctl serve` configures it (thread pool, keep-alive, TCP_NODELAY), answering every GET
// with one fixed wallet body and doing nothing else. It is also the webhook receiver of
// `scripts/bench notify`: every POST is answered 204 at once.
//   walletctl-bench-ceiling PORT THREADS      (PORT 0: any free port, printed on stdout)
#include <httplib.h>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: walletctl-bench-ceiling PORT THREADS\n";
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const auto threads = static_cast<std::size_t>(std::atoi(argv[2]));
  if (port < 0 || port > 65535 || threads == 0 || threads > 1024) {
    std::cerr << "walletctl-bench-ceiling: PORT must be 0-65535 (0: any free port) and THREADS 1-1024\n";
    return 2;
  }
  // The shape and size of a wallet as GET /wallets/{id} returns it.
  static const std::string kBody =
      R"({"available":500,"balance":500,"created_at":"2026-11-22T08:33:02.015381Z","currency":"USD","held":0,)"
      R"("id":"01a20263-263f-779f-a463-18d044b66fcb","updated_at":"2026-11-22T08:33:02.151244Z","user_id":"alice"})";
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_keep_alive_max_count(1000);  // as [http] keep_alive_max_requests
  server.set_tcp_nodelay(true);
  server.Get(".*", [](const httplib::Request&, httplib::Response& res) { res.set_content(kBody, "application/json"); });
  server.Post(".*", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  const int bound =
      port == 0 ? server.bind_to_any_port("127.0.0.1") : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "walletctl-bench-ceiling: cannot listen on 127.0.0.1:" << port << '\n';
    return 1;
  }
  std::cout << "listening on http://127.0.0.1:" << bound << std::endl;
  server.listen_after_bind();
  return 0;
}
