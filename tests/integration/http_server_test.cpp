// The HTTP server's life cycle in-process: a stop that comes before the server has started
// listening still ends it (SIGTERM right after start, as systemd or a test may send it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <future>

#include "daemon/http/server.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

TEST(HttpServerTest, AStopBeforeRunStillEndsRun) {
  TestDatabase db;
  Settings settings = db.settings();
  settings.http.listen = "127.0.0.1:0";
  daemon::Server server(settings, nullptr);
  ASSERT_GT(server.bind(), 0);
  server.stop();  // the signal came between bind() and run(): before the library listened
  auto ran = std::async(std::launch::async, [&] { server.run(); });
  if (ran.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    // run() cannot be interrupted from here any more: report and end the process, or the
    // future's destructor would wait for ever.
    std::fputs("FAILED: run() kept serving for 10 s after stop()\n", stderr);
    std::_Exit(1);
  }
}

}  // namespace
}  // namespace wallet::testing
