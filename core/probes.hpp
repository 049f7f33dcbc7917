// Reachability checks of the services walletctl depends on, for /health and /readyz: each
// answers within its timeout and never throws.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/pg/connection.hpp"

namespace wallet {

struct ProbeResult {
  bool up = false;
  double latency_ms = 0;
  std::string error;  // why it is down: safe to show (no passwords)
};

/// Runs `SELECT 1` on a connection.
ProbeResult probe_postgres(pg::Connection& conn);
/// PING at host:port.
ProbeResult probe_redis(const std::string& addr, std::chrono::milliseconds timeout);
/// Opens and logs in to an AMQP connection, then closes it.
ProbeResult probe_rabbitmq(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace wallet
