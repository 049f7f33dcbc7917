#include "daemon/http/replica_reads.hpp"

#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/pg/error.hpp"

namespace wallet::daemon {
namespace {

constexpr const char* kPrimaryPosition = "SELECT pg_current_wal_lsn()::text";
// NULL on a server that is not replaying WAL: a primary, or a standby promoted since.
constexpr const char* kReplayedPosition = "SELECT pg_last_wal_replay_lsn()::text";

// Several samples per window, so the first one inside it is close to its start; at least every
// second, at most every 10 ms.
std::chrono::milliseconds sampling_period(std::int64_t max_lag_ms) {
  return std::chrono::milliseconds(std::clamp<std::int64_t>(max_lag_ms / 4, 10, 1000));
}

}  // namespace

std::optional<std::uint64_t> parse_lsn(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  unsigned int high = 0, low = 0;
  char extra = 0;
  if (std::sscanf(text->c_str(), "%X/%X%c", &high, &low, &extra) != 2) return std::nullopt;
  return (static_cast<std::uint64_t>(high) << 32) | low;
}

ReplicaReads::ReplicaReads(const Settings& settings, pg::ConnectionPool& primary, Metrics& metrics)
    : settings_(settings),
      primary_(primary),
      metrics_(metrics),
      max_lag_(std::chrono::milliseconds(settings.database.max_read_lag_ms)),
      sample_every_(sampling_period(settings.database.max_read_lag_ms)) {
  if (settings.database.read_url.empty()) return;
  standby_ = std::make_unique<pg::ConnectionPool>(
      pg::PoolOptions{settings.database.read_url, static_cast<int>(settings.database.pool_size),
                      static_cast<int>(settings.database.connect_timeout),
                      std::chrono::milliseconds(settings.database.pool_timeout_ms)});
  sampler_ = std::thread([this] { sample_primary(); });
}

ReplicaReads::~ReplicaReads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (sampler_.joinable()) sampler_.join();
}

// On a connection of its own: a request thread never waits for it, nor it for a pooled one.
void ReplicaReads::sample_primary() {
  std::optional<pg::Connection> conn;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto asked = Clock::now();  // every commit acknowledged before this is at or below the answer
    std::optional<std::uint64_t> position;
    try {
      if (!conn) conn = pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout));
      position = parse_lsn(conn->exec(kPrimaryPosition).opt(0, 0));
    } catch (const std::exception& e) {
      conn.reset();  // reads go to the primary until samples come again
      log_event(spdlog::level::debug, "read_url: cannot sample the primary's WAL position", {{"error", e.what()}});
    }
    lock.lock();
    if (position) samples_.emplace_back(asked, *position);
    // A sample older than the window is never needed again: the first one inside it is newer.
    while (samples_.size() > 1 && samples_[1].first < Clock::now() - max_lag_) samples_.pop_front();
    stop_signal_.wait_for(lock, sample_every_, [this] { return stopping_; });
  }
}

std::optional<std::uint64_t> ReplicaReads::position_needed(const std::string& caller) {
  std::lock_guard lock(mutex_);
  auto since = Clock::now() - max_lag_;
  if (auto it = last_write_.find(caller); it != last_write_.end()) {
    if (it->second < since) {
      last_write_.erase(it);  // older than the window: covered by the staleness bound
    } else {
      since = it->second;
    }
  }
  const auto first = std::find_if(samples_.begin(), samples_.end(), [&](const auto& s) { return s.first >= since; });
  if (first == samples_.end()) return std::nullopt;
  return first->second;
}

pg::Lease ReplicaReads::connection_for(const std::string& caller) {
  if (!standby_) return primary_.acquire();
  if (const auto needed = position_needed(caller)) {
    try {
      auto lease = standby_->acquire();
      const auto replayed = parse_lsn(lease->exec(kReplayedPosition).opt(0, 0));
      if (replayed && *replayed >= *needed) {
        metrics_.read_served("standby");
        return lease;
      }
    } catch (const DomainError& e) {
      log_event(spdlog::level::debug, "read_url: standby unavailable, reading from the primary", {{"error", e.what()}});
    } catch (const pg::Error& e) {
      log_event(spdlog::level::debug, "read_url: standby failed, reading from the primary", {{"error", e.what()}});
    }
  }
  metrics_.read_served("primary");
  return primary_.acquire();
}

void ReplicaReads::wrote(const std::string& caller) {
  if (!standby_) return;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  last_write_[caller] = now;
  // Bounded by the callers that wrote within one window: forget the others now and then.
  if (last_write_.size() > 4096) std::erase_if(last_write_, [&](const auto& w) { return w.second < now - max_lag_; });
}

}  // namespace wallet::daemon
