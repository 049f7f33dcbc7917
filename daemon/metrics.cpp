#include "daemon/metrics.hpp"

#include <sstream>

namespace wallet::daemon {
namespace {

// Label values are route templates, methods and codes; escaping keeps the format valid anyway.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

void Metrics::request_finished(const std::string& route, const std::string& method, int status, double seconds) {
  --in_flight_;
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  auto& h = latency_[route];
  ++h.count;
  h.sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.counts[i];
      break;
    }
  }
}

void Metrics::operation(const std::string& kind, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++operations_[{kind, outcome}];
}

std::string Metrics::render(const pg::PoolStats& pool) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  header(out, "walletctl_http_requests_total", "counter", "HTTP requests answered, by route template and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "walletctl_http_requests_total{route=\"" << label(route) << "\",method=\"" << method << "\",status=\""
        << status << "\"} " << n << '\n';
  }
  header(out, "walletctl_http_request_duration_seconds", "histogram", "Time from request read to response ready.");
  for (const auto& [route, h] : latency_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out << "walletctl_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"" << kBuckets[i]
          << "\"} " << cumulative << '\n';
    }
    out << "walletctl_http_request_duration_seconds_bucket{route=\"" << label(route) << "\",le=\"+Inf\"} " << h.count
        << '\n';
    out << "walletctl_http_request_duration_seconds_sum{route=\"" << label(route) << "\"} " << h.sum << '\n';
    out << "walletctl_http_request_duration_seconds_count{route=\"" << label(route) << "\"} " << h.count << '\n';
  }
  header(out, "walletctl_http_requests_in_flight", "gauge", "Requests being handled now.");
  out << "walletctl_http_requests_in_flight " << in_flight_.load() << '\n';
  header(out, "walletctl_operations_total", "counter", "Money-moving operations, by kind and outcome.");
  for (const auto& [key, n] : operations_) {
    out << "walletctl_operations_total{kind=\"" << key.first << "\",outcome=\"" << label(key.second) << "\"} " << n
        << '\n';
  }
  header(out, "walletctl_db_pool_size", "gauge", "Most PostgreSQL connections the pool opens.");
  out << "walletctl_db_pool_size " << pool.size << '\n';
  header(out, "walletctl_db_pool_connections", "gauge", "PostgreSQL connections by state.");
  out << "walletctl_db_pool_connections{state=\"in_use\"} " << pool.in_use << '\n';
  out << "walletctl_db_pool_connections{state=\"idle\"} " << pool.open - pool.in_use << '\n';
  header(out, "walletctl_db_pool_waiting", "gauge", "Requests waiting for a free connection now.");
  out << "walletctl_db_pool_waiting " << pool.waiting << '\n';
  header(out, "walletctl_db_pool_waits_total", "counter", "Requests that waited for a free connection.");
  out << "walletctl_db_pool_waits_total " << pool.waits << '\n';
  header(out, "walletctl_db_pool_timeouts_total", "counter", "Requests that gave up waiting for a connection.");
  out << "walletctl_db_pool_timeouts_total " << pool.timeouts << '\n';
  header(out, "walletctl_db_pool_replaced_total", "counter", "Broken connections dropped and replaced.");
  out << "walletctl_db_pool_replaced_total " << pool.replaced << '\n';
  return out.str();
}

}  // namespace wallet::daemon
