#include "core/probes.hpp"

#include <memory>

#include "core/amqp_client.hpp"
#include "core/errors.hpp"
#include "core/redis/connection.hpp"

namespace wallet {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

ProbeResult down(Clock::time_point start, std::string why) { return {false, elapsed_ms(start), std::move(why)}; }

}  // namespace

ProbeResult probe_postgres(pg::Connection& conn) {
  static constexpr const char* kPing = "SELECT 1";
  const auto start = Clock::now();
  try {
    conn.exec(kPing);
    return {true, elapsed_ms(start), ""};
  } catch (const std::exception&) {
    return down(start, "query failed on " + conn.address());
  }
}

ProbeResult probe_redis(const std::string& addr, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  try {
    auto conn = redis::Connection::open(addr, timeout);
    if (conn.command({"PING"}).is_error()) return down(start, "Redis at " + addr + " did not answer PING");
    return {true, elapsed_ms(start), ""};
  } catch (const redis::Error&) {
    return down(start, "cannot reach Redis at " + addr);
  }
}

ProbeResult probe_rabbitmq(const std::string& url, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  try {
    AmqpConnection::open(url, timeout);  // connects, logs in, and closes on destruction
    return {true, elapsed_ms(start), ""};
  } catch (const DomainError& e) {
    return down(start, std::string(e.detail()));
  }
}

}  // namespace wallet
