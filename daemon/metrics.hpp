// The daemon's Prometheus metrics: requests by route and status, request latency, requests in
// flight, operations by kind and outcome, the database pool, withdrawals, events and the balance
// cache.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>

#include "core/balance_cache.hpp"
#include "core/outbox.hpp"
#include "core/pg/pool.hpp"
#include "core/withdrawal_queue.hpp"
#include "daemon/http/group_commit.hpp"

namespace wallet::daemon {

class Metrics {
 public:
  void request_started() { ++in_flight_; }
  void request_finished(const std::string& route, const std::string& method, int status, double seconds);
  /// outcome: "ok", "replayed", or the error code that refused the operation.
  void operation(const std::string& kind, const std::string& outcome);

  /// One payout gateway call: its answer (paid, refused, transient) and how long it took.
  void gateway_call(const std::string& status, double seconds);
  /// Outcomes the withdrawal pool recorded.
  void withdrawals_recorded(int completed, int failed, int retried, int review, int lost);

  /// A connection whose request did not arrive within http.request_timeout.
  void request_cut() { ++requests_cut_; }
  /// A read that accepts staleness was served from the standby (database.read_url) or the primary.
  void read_served(const std::string& from) { ++(from == "standby" ? reads_from_standby_ : reads_from_primary_); }
  void events_published(int count) { events_published_ += static_cast<std::uint64_t>(count); }
  void event_publish_failed() { ++event_publish_failures_; }

  /// The text exposition format (version 0.0.4). `queue` and `outbox` are absent when the
  /// database could not be asked, `cache` when Redis is disabled.
  std::string render(const pg::PoolStats& pool, const GroupCommitStats& writes, const std::optional<QueueStats>& queue,
                     const std::optional<OutboxStatus>& outbox, const std::optional<CacheStats>& cache) const;
  /// What `walletctl worker` exposes: its pool's withdrawals and gateway calls, the queue, the
  /// cache and the process.
  std::string render_worker(const std::optional<QueueStats>& queue, const std::optional<CacheStats>& cache) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
    void observe(double seconds);
    /// Bucket, sum and count lines; `labels` is `name="value",` or empty.
    void render(std::ostream& out, const std::string& name, const std::string& labels) const;
  };

  // Sections of the exposition; the caller holds mutex_.
  void render_requests(std::ostream& out, const pg::PoolStats& pool, const GroupCommitStats& writes) const;
  void render_withdrawals(std::ostream& out, const std::optional<QueueStats>& queue) const;
  void render_events(std::ostream& out, const std::optional<OutboxStatus>& outbox) const;

  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> events_published_{0}, event_publish_failures_{0}, requests_cut_{0};
  std::atomic<std::uint64_t> reads_from_standby_{0}, reads_from_primary_{0};
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // route, method, status
  std::map<std::string, Histogram> latency_;                                     // by route
  std::map<std::pair<std::string, std::string>, std::uint64_t> operations_;      // kind, outcome
  std::map<std::string, std::uint64_t> withdrawal_outcomes_;                     // completed, failed, ...
  std::map<std::string, Histogram> gateway_latency_;                             // by answer
};

}  // namespace wallet::daemon
