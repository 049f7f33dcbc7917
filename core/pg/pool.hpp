// A bounded pool of PostgreSQL connections shared by threads: connections open on demand, are
// checked before reuse, and a broken one is dropped so the next request gets a fresh one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/pg/connection.hpp"

namespace wallet::pg {

struct PoolOptions {
  std::string url;
  int size = 16;
  int connect_timeout_seconds = 5;
  std::chrono::milliseconds acquire_timeout{2000};
};

struct PoolStats {
  int size = 0;                // the most connections the pool opens
  int open = 0;                // connections open now (idle + in use)
  int in_use = 0;              // leased to a caller
  int waiting = 0;             // callers waiting for a connection now
  std::uint64_t waits = 0;     // acquisitions that had to wait for a connection
  std::uint64_t timeouts = 0;  // acquisitions that gave up waiting
  std::uint64_t replaced = 0;  // broken connections dropped
};

/// No connection freed up in time: the database may be fine, the pool is busy.
class PoolExhausted : public DomainError {
 public:
  using DomainError::DomainError;
};

class ConnectionPool;

/// A connection on loan; it goes back to the pool (or is dropped when broken) on destruction.
class Lease {
 public:
  Lease(ConnectionPool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  ConnectionPool* pool_;
  std::unique_ptr<Connection> conn_;
};

class ConnectionPool {
 public:
  explicit ConnectionPool(PoolOptions options) : options_(std::move(options)) {}
  ConnectionPool(const ConnectionPool&) = delete;

  /// A healthy connection. Throws DomainError(kUnavailable) when PostgreSQL cannot be reached or
  /// no connection frees up within the acquire timeout.
  Lease acquire();
  PoolStats stats() const;

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Connection> conn);
  void drop_slot();

  PoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int taken_ = 0;  // slots leased or being connected
  PoolStats counters_;
};

}  // namespace wallet::pg
