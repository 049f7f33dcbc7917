#include "core/probes.hpp"

#include <hiredis/hiredis.h>

#include <memory>

#include "core/amqp_client.hpp"
#include "core/errors.hpp"

namespace wallet {
namespace {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

timeval to_timeval(std::chrono::milliseconds t) {
  return {static_cast<time_t>(t.count() / 1000), static_cast<suseconds_t>((t.count() % 1000) * 1000)};
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
  const auto colon = addr.rfind(':');
  const std::string host = addr.substr(0, colon);
  const int port = std::stoi(addr.substr(colon + 1));  // validated by the settings loader
  std::unique_ptr<redisContext, decltype(&redisFree)> ctx(
      redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout)), &redisFree);
  if (!ctx || ctx->err) return down(start, "cannot connect to Redis at " + addr);
  redisSetTimeout(ctx.get(), to_timeval(timeout));
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
      static_cast<redisReply*>(redisCommand(ctx.get(), "PING")), &freeReplyObject);
  if (!reply || reply->type == REDIS_REPLY_ERROR) return down(start, "Redis at " + addr + " did not answer PING");
  return {true, elapsed_ms(start), ""};
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
