#include "daemon/serve.hpp"

#include <pthread.h>
#include <signal.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/migrations.hpp"
#include "daemon/server.hpp"

namespace wallet::daemon {
namespace {

// A server that cannot reach PostgreSQL yet still starts (and answers 503 until it can); one
// that reaches it but finds the schema behind refuses to start.
void check_schema(const Settings& settings) {
  std::optional<pg::Connection> conn;
  try {
    conn.emplace(pg::Connection::open(settings.database.url, static_cast<int>(settings.database.connect_timeout)));
  } catch (const DomainError& e) {
    log_event(spdlog::level::warn, "database unreachable at start; answering 503 until it is back",
              {{"error", std::string(e.detail())}});
    return;
  }
  for (const auto& m : Migrator(*conn, embedded_migrations()).status()) {
    if (!m.applied) {
      throw DomainError(ErrorCode::kInvalidConfig, "the database schema is behind this binary (migration " + m.name +
                                                       " pending): run walletctl migrate");
    }
  }
}

// Ends the process if shutdown overruns its deadline: a request stuck in a slow client must
// not keep a stopping server alive forever.
class ShutdownDeadline {
 public:
  void start(std::chrono::seconds timeout, const Server& server) {
    watchdog_ = std::thread([this, timeout, &server] {
      std::unique_lock lock(mutex_);
      if (!done_cv_.wait_for(lock, timeout, [this] { return done_; })) {
        log_event(spdlog::level::err, "shutdown deadline passed; exiting with requests unfinished",
                  {{"in_flight", server.in_flight()}, {"deadline_s", timeout.count()}});
        std::_Exit(1);
      }
    });
  }
  void finished() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread watchdog_;
};

}  // namespace

int serve(const Settings& settings) {
  configure_logging(settings.log);
  check_schema(settings);
  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only the waiter below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Server server(settings);
  const int port = server.bind();
  ShutdownDeadline deadline;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_event(spdlog::level::info, "stopping",
              {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}, {"in_flight", server.in_flight()}});
    deadline.start(std::chrono::seconds(settings.http.shutdown_timeout), server);
    server.stop();
  });
  const std::string host = settings.http.listen.substr(0, settings.http.listen.rfind(':'));
  log_event(spdlog::level::info, "listening",
            {{"address", host + ":" + std::to_string(port)},
             {"threads", settings.http.threads},
             {"pool_size", settings.database.pool_size}});
  std::cout << "walletctl: listening on http://" << host << ":" << port << std::endl;
  server.run();
  // run() returns only after stop(); should the listener fail on its own, wake the waiter.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  deadline.finished();
  log_event(spdlog::level::info, "stopped", {});
  return 0;
}

}  // namespace wallet::daemon
