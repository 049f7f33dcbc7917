#include "daemon/payouts/withdrawal_pool.hpp"

#include "core/errors.hpp"
#include "core/logging.hpp"
#include "core/pg/error.hpp"
#include "core/signals.hpp"
#include "daemon/metrics.hpp"
#include "daemon/payouts/bank_gateway.hpp"

namespace wallet::daemon {
namespace {

constexpr std::size_t kRecordBatch = 500;
constexpr int kMaxRecordFailures = 5;
constexpr std::int64_t kIdlePollMs = 1000;  // a safety net: NOTIFY and the wake pipe do the work

const char* status_name(PayoutStatus s) {
  switch (s) {
    case PayoutStatus::kPaid:
      return "paid";
    case PayoutStatus::kRefused:
      return "refused";
    case PayoutStatus::kTransient:
      return "transient";
    case PayoutStatus::kUnknown:
      return "unknown";
  }
  return "transient";
}

}  // namespace

GatewayFactory gateway_from_settings(const Settings& settings) {
  const auto& w = settings.withdrawals;
  if (w.gateway == "http") {
    return [&w](int) { return std::make_unique<BankGateway>(w.bank_url, w.bank_ca_file, w.bank_timeout_ms); };
  }
  return [&w](int worker) {
    return std::make_unique<SimulatedGateway>(std::chrono::milliseconds(w.simulated_latency_ms),
                                              static_cast<int>(w.simulated_failure_percent),
                                              std::random_device{}() + static_cast<std::uint64_t>(worker));
  };
}

WithdrawalPool::WithdrawalPool(const Settings& settings, GatewayFactory gateways, Metrics* metrics, BalanceCache* cache)
    : settings_(settings), gateways_(std::move(gateways)), metrics_(metrics), cache_(cache) {}

WithdrawalPool::~WithdrawalPool() { stop(); }

pg::Connection WithdrawalPool::connect() const {
  return pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout));
}

void WithdrawalPool::start() {
  const int n = static_cast<int>(settings_.withdrawals.workers);
  running_workers_ = n;
  for (int i = 0; i < n; ++i) workers_.emplace_back([this, i] { work_loop(i); });
  recorder_ = std::thread([this] { record_loop(); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
  log_event(spdlog::level::info, "withdrawal pool started",
            {{"workers", n}, {"gateway", settings_.withdrawals.gateway}});
}

void WithdrawalPool::dispatch_loop() {
  std::optional<pg::Connection> listener;
  while (!stopping_) {
    try {
      if (!listener || listener->is_broken()) {
        listener.emplace(connect());
        signals::listen(*listener, signals::kWithdrawalChannel);
      }
      dispatch_once(*listener);
    } catch (const std::exception& e) {
      log_event(spdlog::level::warn, "withdrawal dispatcher: database unavailable, retrying", {{"error", e.what()}});
      listener.reset();
      wake_.wait(-1, std::chrono::milliseconds(kIdlePollMs));  // back off, but wake at once on stop
    }
  }
}

// Claims work for idle workers only: the pool never holds more than it can run, and a row
// left in the table can be claimed by another process meanwhile.
void WithdrawalPool::dispatch_once(pg::Connection& conn) {
  WithdrawalQueue queue(conn, settings_);
  int capacity = 0;
  {
    std::lock_guard lock(mutex_);
    const bool recorder_behind = outcomes_.size() >= static_cast<std::size_t>(settings_.withdrawals.workers);
    capacity = recorder_behind ? 0 : idle_workers_ - static_cast<int>(work_.size());
  }
  std::optional<std::int64_t> next_due;
  if (capacity > 0) {
    // Taken before the claim is asked for, so the lease (which the database starts later)
    // cannot end before the deadline computed from it.
    const auto call_deadline = std::chrono::steady_clock::now() +
                               std::chrono::milliseconds(settings_.withdrawals.lease_seconds * 1000 - kLeaseMarginMs);
    auto claimed = queue.claim(capacity);
    if (!claimed.empty()) {
      std::lock_guard lock(mutex_);
      for (auto& w : claimed) work_.push_back({std::move(w), call_deadline});
      work_ready_.notify_all();
    }
    // Fewer rows than room: nothing else is due now, so sleep until the next one is.
    if (static_cast<int>(claimed.size()) < capacity) next_due = queue.next_due_ms().value_or(kIdlePollMs);
  }
  wait_for_work(conn, next_due);
}

void WithdrawalPool::wait_for_work(pg::Connection& listener, std::optional<std::int64_t> next_due_ms) {
  // Due rows that another process holds show as due now; a few milliseconds stop a spin.
  const auto timeout = next_due_ms ? std::clamp<std::int64_t>(*next_due_ms, 5, kIdlePollMs) : kIdlePollMs;
  if (wake_.wait(listener.socket(), std::chrono::milliseconds(timeout))) listener.drain_notifications();
}

void WithdrawalPool::work_loop(int index) {
  auto gateway = gateways_(index);
  std::unique_lock lock(mutex_);
  ++idle_workers_;
  for (;;) {
    work_ready_.wait(lock, [this] { return stopping_ || !work_.empty(); });
    if (stopping_) break;  // claims not started are given back by stop()
    Claimed job = std::move(work_.front());
    work_.pop_front();
    --idle_workers_;
    lock.unlock();
    Withdrawal& claim = job.withdrawal;
    const auto start = std::chrono::steady_clock::now();
    auto result = gateway->pay({claim.id, claim.wallet_id, claim.amount, claim.currency, job.call_deadline});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (metrics_) metrics_->gateway_call(status_name(result.status), seconds);
    lock.lock();
    outcomes_.push_back({std::move(claim), std::move(result)});
    ++idle_workers_;
    outcome_ready_.notify_one();
    wake_.wake();
  }
  --idle_workers_;
  --running_workers_;
  outcome_ready_.notify_one();
}

void WithdrawalPool::record_loop() {
  std::optional<pg::Connection> conn;
  std::unique_lock lock(mutex_);
  for (;;) {
    outcome_ready_.wait(lock, [this] { return !outcomes_.empty() || (stopping_ && running_workers_ == 0); });
    if (outcomes_.empty()) break;  // stopping, and no worker can add more
    std::vector<PayoutOutcome> batch;
    while (!outcomes_.empty() && batch.size() < kRecordBatch) {
      batch.push_back(std::move(outcomes_.front()));
      outcomes_.pop_front();
    }
    lock.unlock();
    record_batch(conn, batch);
    wake_.wake();  // room freed if the recorder was behind
    lock.lock();
  }
}

// A batch that cannot be recorded is dropped after a few tries: its claims expire and the rows
// are claimed and sent again, which the bank dedupes by withdrawal id. Nothing is lost.
void WithdrawalPool::record_batch(std::optional<pg::Connection>& conn, std::vector<PayoutOutcome>& batch) {
  for (int failures = 0;; ++failures) {
    try {
      if (!conn || conn->is_broken()) conn.emplace(connect());
      const auto summary = WithdrawalQueue(*conn, settings_, cache_).record(batch);
      if (metrics_)
        metrics_->withdrawals_recorded(summary.completed, summary.failed, summary.retried, summary.review,
                                       summary.lost);
      return;
    } catch (const std::exception& e) {
      conn.reset();
      if (failures + 1 >= kMaxRecordFailures) {
        log_event(spdlog::level::err, "withdrawal outcomes not recorded; their claims will expire and be retried",
                  {{"count", batch.size()}, {"error", e.what()}});
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << failures));  // back off while the database is away
    }
  }
}

void WithdrawalPool::stop() {
  if (stopping_.exchange(true)) return;
  wake_.wake();
  {
    std::lock_guard lock(mutex_);
    work_ready_.notify_all();
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  std::vector<Withdrawal> unstarted;
  {
    std::lock_guard lock(mutex_);
    for (auto& job : work_) unstarted.push_back(std::move(job.withdrawal));
    work_.clear();
  }
  try {
    if (!unstarted.empty()) {
      auto conn = connect();
      WithdrawalQueue(conn, settings_).release(unstarted);
    }
  } catch (const std::exception& e) {
    log_event(spdlog::level::warn, "could not give back unstarted claims; they return when their lease expires",
              {{"count", unstarted.size()}, {"error", e.what()}});
  }
  for (auto& w : workers_) w.join();
  {
    std::lock_guard lock(mutex_);
    outcome_ready_.notify_all();
  }
  if (recorder_.joinable()) recorder_.join();
  workers_.clear();
  log_event(spdlog::level::info, "withdrawal pool stopped", {{"released", unstarted.size()}});
}

}  // namespace wallet::daemon
