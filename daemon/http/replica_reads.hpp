// Where serve's reads that accept a little staleness go: a standby (database.read_url) when it
// is fresh enough, else the primary. Fresh enough means two things, both measured in WAL
// positions (LSNs):
//   - bounded staleness: the standby has replayed everything the primary had committed
//     database.max_read_lag_ms ago. A thread samples the primary's pg_current_wal_lsn() several
//     times per window; the first sample taken inside the window is the position to reach.
//   - read-your-writes: a caller (API key) whose write this serve acknowledged reads it. The
//     first sample taken after the acknowledgement is the position to reach; until one exists
//     the caller reads from the primary.
// Each read asks its standby connection pg_last_wal_replay_lsn() first (the same connection it
// then reads on, so a URL naming several standbys cannot mislead it). A standby that is behind,
// unreachable or promoted sends the read to the primary. Through another serve, a caller's own
// writes are visible after max_read_lag_ms at the latest.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/config.hpp"
#include "core/pg/pool.hpp"
#include "daemon/metrics.hpp"

namespace wallet::daemon {

/// "16/B374D848" as a number; none for anything else (NULL on a primary, for instance).
std::optional<std::uint64_t> parse_lsn(const std::optional<std::string>& text);

class ReplicaReads {
 public:
  /// With database.read_url empty, every read goes to `primary` and nothing runs.
  ReplicaReads(const Settings& settings, pg::ConnectionPool& primary, Metrics& metrics);
  ~ReplicaReads();
  ReplicaReads(const ReplicaReads&) = delete;

  /// A connection for a read by `caller` (an API key's id; empty when authentication is off).
  pg::Lease connection_for(const std::string& caller);
  /// This serve acknowledged a write by `caller` just now.
  void wrote(const std::string& caller);

 private:
  using Clock = std::chrono::steady_clock;
  void sample_primary();
  /// The WAL position the standby must have replayed for `caller` to read there; none: the
  /// primary must answer (no sample recent enough yet).
  std::optional<std::uint64_t> position_needed(const std::string& caller);

  const Settings& settings_;
  pg::ConnectionPool& primary_;
  Metrics& metrics_;
  std::unique_ptr<pg::ConnectionPool> standby_;  // none: read_url is empty
  const Clock::duration max_lag_, sample_every_;

  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::deque<std::pair<Clock::time_point, std::uint64_t>> samples_;  // when asked, the primary's LSN
  std::unordered_map<std::string, Clock::time_point> last_write_;    // by caller, within the window
  std::thread sampler_;
};

}  // namespace wallet::daemon
