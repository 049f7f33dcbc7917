#include "daemon/lifecycle.hpp"

#include <pthread.h>

#include <cstdlib>
#include <optional>

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/migrations.hpp"
#include "daemon/service_manager.hpp"

namespace wallet::daemon {

void require_current_schema(const Settings& settings) {
  std::optional<pg::Connection> conn;
  try {
    conn.emplace(pg::Connection::open(settings.database.url, static_cast<int>(settings.database.connect_timeout)));
  } catch (const DomainError& e) {
    log_event(spdlog::level::warn, "database unreachable at start; waiting for it",
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

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

const char* StopSignals::wait() {
  int sig = 0;
  if (const auto interval = service_manager::watchdog_interval()) {
    // Under a systemd watchdog the wait wakes to ping it: a process whose waiting thread no
    // longer runs stops pinging and is restarted.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*interval);
    const timespec tick{static_cast<time_t>(seconds.count()),
                        static_cast<long>(std::chrono::nanoseconds(*interval - seconds).count())};
    for (;;) {
      service_manager::watchdog();
      sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) break;
    }
  } else {
    sigwait(&set_, &sig);
  }
  service_manager::stopping();
  return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

StopFlag::StopFlag() {
  waiter_ = std::thread([this] {
    signals_.wait();
    raised_ = true;
  });
}

StopFlag::~StopFlag() {
  // The loop ended on its own: a signal to the waiter (blocked, so only sigwait sees it) ends it.
  if (!raised_) pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

void ShutdownDeadline::start(std::chrono::seconds timeout, std::function<std::int64_t()> in_flight) {
  watchdog_ = std::thread([this, timeout, in_flight = std::move(in_flight)] {
    std::unique_lock lock(mutex_);
    if (!done_cv_.wait_for(lock, timeout, [this] { return done_; })) {
      log_event(spdlog::level::err, "shutdown deadline passed; exiting with work unfinished",
                {{"in_flight", in_flight()}, {"deadline_s", timeout.count()}});
      std::_Exit(1);
    }
  });
}

void ShutdownDeadline::finished() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

}  // namespace wallet::daemon
