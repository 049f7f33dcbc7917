#include "daemon/pending_sweeper.hpp"

#include <optional>

#include "core/backoff.hpp"
#include "core/logging.hpp"
#include "core/pending_transfers.hpp"

namespace wallet::daemon {
namespace {

// Transfers closed per database transaction; a full batch is followed by the next at once.
constexpr int kSweepBatch = 500;

}  // namespace

void PendingSweeper::start() { thread_ = std::thread([this] { loop(); }); }

void PendingSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PendingSweeper::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, delay, [this] { return stopping_; });
}

void PendingSweeper::loop() {
  const std::chrono::milliseconds interval(settings_.ledger.pending_sweep_interval_ms);
  Backoff backoff(interval, std::max(interval, std::chrono::milliseconds(30'000)));
  std::optional<pg::Connection> conn;
  auto delay = std::chrono::milliseconds(0);
  while (wait(delay)) {
    try {
      if (!conn) {
        conn.emplace(
            pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout)));
      }
      Ledger ledger(*conn, settings_, cache_);
      const int closed = expire_due_transfers(ledger, *conn, kSweepBatch);
      if (closed > 0) log_event(spdlog::level::info, "pending transfers expired", {{"count", closed}});
      backoff.succeeded();
      delay = closed == kSweepBatch ? std::chrono::milliseconds(0) : interval;
    } catch (const std::exception& e) {
      conn.reset();  // a broken connection is replaced on the next round
      delay = backoff.next();
      log_event(spdlog::level::warn, "pending transfer sweep failed; retrying",
                {{"error", e.what()}, {"retry_in_ms", delay.count()}});
    }
  }
}

}  // namespace wallet::daemon
