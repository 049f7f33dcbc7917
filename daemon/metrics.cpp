#include "daemon/metrics.hpp"

#include <sstream>

#include "daemon/http/router.hpp"
#include "daemon/process_metrics.hpp"

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

}  // namespace

void Metrics::Histogram::observe(double seconds) {
  ++count;
  sum += seconds;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
}

void Metrics::Histogram::render(std::ostream& out, const std::string& name, const std::string& labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += counts[i];
    out << name << "_bucket{" << labels << "le=\"" << kBuckets[i] << "\"} " << cumulative << '\n';
  }
  out << name << "_bucket{" << labels << "le=\"+Inf\"} " << count << '\n';
  const std::string bare = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  out << name << "_sum" << bare << ' ' << metric_value(sum) << '\n';
  out << name << "_count" << bare << ' ' << count << '\n';
}

void Metrics::request_finished(const std::string& route, const std::string& method, int status, double seconds) {
  --in_flight_;
  // Labels come only from the route table and a fixed set of methods: a client inventing
  // methods cannot create series.
  const std::string method_label = is_known_method(method) ? method : "other";
  std::lock_guard lock(mutex_);
  ++requests_[{route, method_label, status}];
  latency_[route].observe(seconds);
}

void Metrics::gateway_call(const std::string& status, double seconds) {
  std::lock_guard lock(mutex_);
  gateway_latency_[status].observe(seconds);
}

void Metrics::withdrawals_recorded(int completed, int failed, int retried, int review, int lost) {
  std::lock_guard lock(mutex_);
  withdrawal_outcomes_["needs_review"] += static_cast<std::uint64_t>(review);
  withdrawal_outcomes_["completed"] += static_cast<std::uint64_t>(completed);
  withdrawal_outcomes_["failed"] += static_cast<std::uint64_t>(failed);
  withdrawal_outcomes_["retried"] += static_cast<std::uint64_t>(retried);
  withdrawal_outcomes_["claim_lost"] += static_cast<std::uint64_t>(lost);
}

void Metrics::operation(const std::string& kind, const std::string& outcome) {
  std::lock_guard lock(mutex_);
  ++operations_[{kind, outcome}];
}

namespace {

void render_cache(std::ostream& out, const CacheStats& c) {
  metric_header(out, "walletctl_cache_lookups_total", "counter", "Balance cache lookups, by result.");
  out << "walletctl_cache_lookups_total{result=\"hit\"} " << c.hits << '\n';
  out << "walletctl_cache_lookups_total{result=\"miss\"} " << c.misses << '\n';
  metric_header(out, "walletctl_cache_fills_total", "counter", "Copies offered to the cache, by result.");
  out << "walletctl_cache_fills_total{result=\"stored\"} " << c.fills << '\n';
  out << "walletctl_cache_fills_total{result=\"refused\"} " << c.fills_refused << '\n';
  metric_header(out, "walletctl_cache_invalidations_total", "counter", "Wallet versions tombstoned after writes.");
  out << "walletctl_cache_invalidations_total " << c.invalidations << '\n';
  metric_header(out, "walletctl_cache_errors_total", "counter", "Redis calls that failed or timed out.");
  out << "walletctl_cache_errors_total " << c.errors << '\n';
  metric_header(out, "walletctl_cache_bypassed_total", "counter", "Calls skipped while the breaker was open.");
  out << "walletctl_cache_bypassed_total " << c.bypassed << '\n';
  metric_header(out, "walletctl_cache_epochs_total", "counter", "Times this process made the cache forget everything.");
  out << "walletctl_cache_epochs_total " << c.epochs << '\n';
  metric_header(out, "walletctl_cache_breaker_state", "gauge", "Redis circuit breaker: 0 closed, 1 open, 2 half-open.");
  out << "walletctl_cache_breaker_state " << static_cast<int>(c.breaker) << '\n';
}

}  // namespace

std::string Metrics::render(const pg::PoolStats& pool, const GroupCommitStats& writes,
                            const std::optional<QueueStats>& queue, const std::optional<OutboxStatus>& outbox,
                            const std::optional<CacheStats>& cache) const {
  std::ostringstream out;
  {
    std::lock_guard lock(mutex_);
    render_requests(out, pool, writes);
    render_withdrawals(out, queue);
    render_events(out, outbox);
  }
  if (cache) render_cache(out, *cache);
  render_process_metrics(out);
  return out.str();
}

std::string Metrics::render_worker(const std::optional<QueueStats>& queue, const std::optional<CacheStats>& cache) const {
  std::ostringstream out;
  {
    std::lock_guard lock(mutex_);
    render_withdrawals(out, queue);
  }
  if (cache) render_cache(out, *cache);
  render_process_metrics(out);
  return out.str();
}

void Metrics::render_requests(std::ostream& out, const pg::PoolStats& pool, const GroupCommitStats& writes) const {
  metric_header(out, "walletctl_http_requests_total", "counter", "HTTP requests answered, by route template and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "walletctl_http_requests_total{route=\"" << label(route) << "\",method=\"" << method << "\",status=\""
        << status << "\"} " << n << '\n';
  }
  metric_header(out, "walletctl_http_request_duration_seconds", "histogram", "Time from request read to response ready.");
  for (const auto& [route, h] : latency_) {
    h.render(out, "walletctl_http_request_duration_seconds", "route=\"" + label(route) + "\",");
  }
  metric_header(out, "walletctl_http_requests_in_flight", "gauge", "Requests being handled now.");
  out << "walletctl_http_requests_in_flight " << in_flight_.load() << '\n';
  metric_header(out, "walletctl_http_connections_cut_total", "counter",
         "Connections closed because a request did not arrive whole within http.request_timeout.");
  out << "walletctl_http_connections_cut_total " << requests_cut_.load() << '\n';
  metric_header(out, "walletctl_operations_total", "counter", "Money-moving operations, by kind and outcome.");
  for (const auto& [key, n] : operations_) {
    out << "walletctl_operations_total{kind=\"" << key.first << "\",outcome=\"" << label(key.second) << "\"} " << n
        << '\n';
  }
  metric_header(out, "walletctl_reads_total", "counter",
                "Reads that accept staleness (database.read_url), by the server that answered them.");
  out << "walletctl_reads_total{from=\"standby\"} " << reads_from_standby_.load() << '\n';
  out << "walletctl_reads_total{from=\"primary\"} " << reads_from_primary_.load() << '\n';
  metric_header(out, "walletctl_db_pool_size", "gauge", "Most PostgreSQL connections the pool opens.");
  out << "walletctl_db_pool_size " << pool.size << '\n';
  metric_header(out, "walletctl_db_pool_connections", "gauge", "PostgreSQL connections by state.");
  out << "walletctl_db_pool_connections{state=\"in_use\"} " << pool.in_use << '\n';
  out << "walletctl_db_pool_connections{state=\"idle\"} " << pool.open - pool.in_use << '\n';
  metric_header(out, "walletctl_db_pool_waiting", "gauge", "Requests waiting for a free connection now.");
  out << "walletctl_db_pool_waiting " << pool.waiting << '\n';
  metric_header(out, "walletctl_db_pool_waits_total", "counter", "Requests that waited for a free connection.");
  out << "walletctl_db_pool_waits_total " << pool.waits << '\n';
  metric_header(out, "walletctl_db_pool_timeouts_total", "counter", "Requests that gave up waiting for a connection.");
  out << "walletctl_db_pool_timeouts_total " << pool.timeouts << '\n';
  metric_header(out, "walletctl_db_pool_replaced_total", "counter", "Broken connections dropped and replaced.");
  out << "walletctl_db_pool_replaced_total " << pool.replaced << '\n';
  metric_header(out, "walletctl_group_commit_batches_total", "counter",
         "Database transactions the group committer ran for money-moving requests.");
  out << "walletctl_group_commit_batches_total " << writes.batches << '\n';
  metric_header(out, "walletctl_group_commit_operations_total", "counter",
         "Operations those transactions carried (divided by batches: the mean batch size).");
  out << "walletctl_group_commit_operations_total " << writes.operations << '\n';
  metric_header(out, "walletctl_group_commit_retries_total", "counter",
         "Batches run again after a deadlock or serialization failure.");
  out << "walletctl_group_commit_retries_total " << writes.retries << '\n';
}

void Metrics::render_withdrawals(std::ostream& out, const std::optional<QueueStats>& queue) const {
  metric_header(out, "walletctl_withdrawals_total", "counter", "Withdrawal outcomes recorded by this process's pool.");
  for (const auto& [outcome, n] : withdrawal_outcomes_) {
    out << "walletctl_withdrawals_total{outcome=\"" << outcome << "\"} " << n << '\n';
  }
  metric_header(out, "walletctl_payout_gateway_duration_seconds", "histogram", "Payout gateway calls, by answer.");
  for (const auto& [status, h] : gateway_latency_) {
    h.render(out, "walletctl_payout_gateway_duration_seconds", "answer=\"" + status + "\",");
  }
  if (queue) {
    metric_header(out, "walletctl_withdrawals_queued", "gauge", "Withdrawals not yet settled, by status (all processes).");
    out << "walletctl_withdrawals_queued{status=\"pending\"} " << queue->pending << '\n';
    out << "walletctl_withdrawals_queued{status=\"processing\"} " << queue->processing << '\n';
    out << "walletctl_withdrawals_queued{status=\"needs_review\"} " << queue->needs_review << '\n';
    metric_header(out, "walletctl_withdrawals_oldest_unsettled_seconds", "gauge",
           "Age of the oldest withdrawal pending or processing.");
    out << "walletctl_withdrawals_oldest_unsettled_seconds " << queue->oldest_unsettled_seconds << '\n';
    metric_header(out, "walletctl_withdrawals_oldest_needs_review_seconds", "gauge",
           "Age of the oldest withdrawal waiting for an operator (possibly paid, attempts used up).");
    out << "walletctl_withdrawals_oldest_needs_review_seconds " << queue->oldest_needs_review_seconds << '\n';
  }
}

void Metrics::render_events(std::ostream& out, const std::optional<OutboxStatus>& outbox) const {
  metric_header(out, "walletctl_events_published_total", "counter", "Outbox events this process published (confirmed).");
  out << "walletctl_events_published_total " << events_published_.load() << '\n';
  metric_header(out, "walletctl_event_publish_failures_total", "counter", "Publish attempts that failed (broker away).");
  out << "walletctl_event_publish_failures_total " << event_publish_failures_.load() << '\n';
  if (outbox) {
    metric_header(out, "walletctl_outbox_unpublished", "gauge", "Outbox events not yet published (all processes).");
    out << "walletctl_outbox_unpublished " << outbox->unpublished << '\n';
    metric_header(out, "walletctl_outbox_lag_seconds", "gauge", "Age of the oldest unpublished outbox event.");
    out << "walletctl_outbox_lag_seconds " << outbox->oldest_unpublished_seconds << '\n';
    metric_header(out, "walletctl_outbox_returned", "gauge",
           "Unpublished events RabbitMQ returned because no queue was bound for them; tried again with backoff.");
    out << "walletctl_outbox_returned " << outbox->returned << '\n';
  }
}

}  // namespace wallet::daemon
