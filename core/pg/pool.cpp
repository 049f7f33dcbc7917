#include "core/pg/pool.hpp"

#include "core/errors.hpp"

namespace wallet::pg {

Lease::~Lease() {
  if (pool_ && conn_) pool_->give_back(std::move(conn_));
}

Lease ConnectionPool::acquire() {
  std::unique_ptr<Connection> reused;
  {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    bool waited = false;
    while (idle_.empty() && taken_ >= options_.size) {
      if (!waited) {
        waited = true;
        ++counters_.waits;
        ++counters_.waiting;
      }
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && taken_ >= options_.size) {
        --counters_.waiting;
        ++counters_.timeouts;
        throw PoolExhausted(ErrorCode::kUnavailable,
                            "all " + std::to_string(options_.size) + " database connections are busy; try again");
      }
    }
    if (waited) --counters_.waiting;
    ++taken_;
    if (!idle_.empty()) {
      reused = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (reused && reused->idle_and_alive()) return Lease(*this, std::move(reused));
  if (reused) {
    std::lock_guard lock(mutex_);
    ++counters_.replaced;
  }
  reused.reset();
  // Connecting happens outside the lock: a slow or refused connect must not stall other threads.
  try {
    auto fresh = std::make_unique<Connection>(Connection::open(options_.url, options_.connect_timeout_seconds));
    return Lease(*this, std::move(fresh));
  } catch (...) {
    drop_slot();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  // A connection left inside a transaction or cut off is not reused: the next caller opens a new one.
  if (!conn->idle_and_alive()) {
    conn.reset();
    std::lock_guard lock(mutex_);
    ++counters_.replaced;
    --taken_;
  } else {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
    --taken_;
  }
  freed_.notify_one();
}

void ConnectionPool::drop_slot() {
  {
    std::lock_guard lock(mutex_);
    --taken_;
  }
  freed_.notify_one();
}

PoolStats ConnectionPool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats s = counters_;
  s.size = options_.size;
  s.in_use = taken_;
  s.open = taken_ + static_cast<int>(idle_.size());
  return s;
}

}  // namespace wallet::pg
