// The daemon's Prometheus metrics: requests by route and status, request latency, requests in
// flight, operations by kind and outcome, and the database pool.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/pg/pool.hpp"

namespace wallet::daemon {

class Metrics {
 public:
  void request_started() { ++in_flight_; }
  void request_finished(const std::string& route, const std::string& method, int status, double seconds);
  /// outcome: "ok", "replayed", or the error code that refused the operation.
  void operation(const std::string& kind, const std::string& outcome);

  /// The text exposition format (version 0.0.4).
  std::string render(const pg::PoolStats& pool) const;

 private:
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  std::atomic<std::int64_t> in_flight_{0};
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // route, method, status
  std::map<std::string, Histogram> latency_;                                     // by route
  std::map<std::pair<std::string, std::string>, std::uint64_t> operations_;      // kind, outcome
};

}  // namespace wallet::daemon
