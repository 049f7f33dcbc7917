#include "core/probes.hpp"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

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
  std::vector<char> buffer(url.begin(), url.end());
  buffer.push_back('\0');
  amqp_connection_info info{};
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) return down(start, "unparsable AMQP URL");
  const std::string where = std::string(info.host) + ":" + std::to_string(info.port);
  // "amqp://host:port/" names the empty vhost to rabbitmq-c; everyone means the default "/".
  const char* vhost = (info.vhost && *info.vhost) ? info.vhost : "/";
  std::unique_ptr<amqp_connection_state_t_, decltype(&amqp_destroy_connection)> conn(amqp_new_connection(),
                                                                                     &amqp_destroy_connection);
  amqp_socket_t* socket = amqp_tcp_socket_new(conn.get());
  timeval tv = to_timeval(timeout);
  if (!socket || amqp_socket_open_noblock(socket, info.host, info.port, &tv) != AMQP_STATUS_OK) {
    return down(start, "cannot connect to RabbitMQ at " + where);
  }
  amqp_set_handshake_timeout(conn.get(), &tv);
  amqp_set_rpc_timeout(conn.get(), &tv);
  const auto login = amqp_login(conn.get(), vhost, 1, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user, info.password);
  if (login.reply_type != AMQP_RESPONSE_NORMAL) return down(start, "RabbitMQ at " + where + " refused the login");
  amqp_connection_close(conn.get(), AMQP_REPLY_SUCCESS);
  return {true, elapsed_ms(start), ""};
}

}  // namespace wallet
