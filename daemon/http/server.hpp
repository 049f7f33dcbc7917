// The HTTP server of `walletctl serve`: cpp-httplib configured from [http], every request
// dispatched through the route table, answered, counted and logged in one place.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <string>

#include "core/config.hpp"
#include "core/pg/pool.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/auth.hpp"
#include "daemon/http/exchange.hpp"
#include "daemon/http/listener.hpp"
#include "daemon/http/replica_reads.hpp"
#include "daemon/http/request_deadline.hpp"
#include "daemon/http/router.hpp"
#include "daemon/metrics.hpp"

namespace wallet::daemon {

class Server {
 public:
  /// `cache`: the balance cache reads go through, none to read PostgreSQL only.
  Server(const Settings& settings, BalanceCache* cache);
  Server(const Server&) = delete;

  bool tls() const { return !settings_.http.tls_cert.empty(); }
  /// Where clients reach the API, once bound.
  std::string url() const { return listener_.url(tls() ? "https" : "http"); }
  /// Binds [http] listen and returns the port (the chosen one when the setting says 0).
  /// Throws DomainError(kInvalidConfig) when the address cannot be bound.
  int bind();
  /// Serves until stop(); returns once the requests in flight are answered.
  void run();
  /// Stops accepting connections. Safe from any thread; the first call wins.
  void stop();
  std::int64_t in_flight() const { return in_flight_; }
  Metrics& metrics() { return metrics_; }
  GroupCommitStats group_commit_stats() const { return writes_.stats(); }

 private:
  using Clock = std::chrono::steady_clock;
  static std::unique_ptr<httplib::Server> make_http_server(const Settings::Http& http);
  void configure();
  // body_after_auth: the body of a route that reads it only once its caller is admitted.
  // `route`: the request's match in the route table, looked up once per request.
  void handle(const httplib::Request& req, httplib::Response& res, RouteMatch route, std::string body,
              const httplib::ContentReader* body_after_auth = nullptr);
  /// The most body a route takes (none matched: http.max_body_bytes).
  std::size_t body_limit(const Route* route) const;
  static bool read_body(const httplib::ContentReader& read, std::size_t limit, std::string& body);
  void read_bounded_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read);
  httplib::Server::HandlerResponse screen(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse on_library_error(const httplib::Request& req, httplib::Response& res);
  httplib::Server::HandlerResponse refuse(const httplib::Request& req, httplib::Response& res,
                                          const DomainError& error);
  static DomainError too_large_body(std::size_t limit);
  // Thrown when the deadline cut a connection while a body was read after authentication.
  struct ConnectionCut {};
  void dispatch(Exchange& ex, RouteMatch route, const httplib::ContentReader* body_after_auth);
  void finish(const Exchange& ex, Clock::time_point start);

  const Settings& settings_;
  pg::ConnectionPool pool_;
  Metrics metrics_;
  ReplicaReads reads_;
  GroupCommitter writes_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> in_flight_{0};
  Readiness readiness_;
  ApiState state_;
  Authenticator auth_;
  Router router_;
  RequestDeadline deadline_;               // outlives the library's task queue, made in run()
  std::unique_ptr<httplib::Server> http_;  // an SSLServer when TLS is configured
  BoundListener listener_;                 // once bound
};

}  // namespace wallet::daemon
