#include "daemon/http/server.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

#include "core/ids.hpp"
#include "core/logging.hpp"
#include "core/pg/error.hpp"
#include "core/probes.hpp"
#include "daemon/http/listener.hpp"
#include "daemon/http/problem.hpp"

namespace wallet::daemon {
namespace {

// A caller's X-Request-Id is kept when it is short and plain, so it can be traced through
// logs; anything else is replaced rather than echoed.
std::string request_id_for(const httplib::Request& req) {
  if (req.get_header_value_count("X-Request-Id") == 1) {
    const auto id = req.get_header_value("X-Request-Id");
    const bool sane = !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
    });
    if (sane) return id;
  }
  return new_uuid();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Set by a refusal, read once its answer is written (on the same thread): the connection closes
// (RequestDeadline::stop_reading()).
thread_local bool close_after_answer = false;

}  // namespace

Server::Server(const Settings& settings, BalanceCache* cache)
    : settings_(settings),
      pool_(pg::PoolOptions{settings.database.url, static_cast<int>(settings.database.pool_size),
                            static_cast<int>(settings.database.connect_timeout),
                            std::chrono::milliseconds(settings.database.pool_timeout_ms)}),
      reads_(settings, pool_, metrics_),
      writes_(settings, cache),
      readiness_(
          [this] {
            try {
              auto conn = pool_.acquire();
              return probe_postgres(*conn).up;
            } catch (const std::exception&) {
              return false;
            }
          },
          std::chrono::seconds(1)),
      state_{settings_, pool_, reads_, metrics_, stopping_, cache, writes_, readiness_, auth_},
      auth_(settings_, pool_),
      deadline_(std::chrono::seconds(settings.http.request_timeout), [this] { metrics_.request_cut(); }),
      http_(make_http_server(settings.http)) {
  add_api_routes(router_, state_);
  configure();
}

// HTTPS when [http] tls_cert and tls_key are set; the files are read once, at start.
std::unique_ptr<httplib::Server> Server::make_http_server(const Settings::Http& h) {
  if (h.tls_cert.empty()) return std::make_unique<httplib::Server>();
  auto tls = std::make_unique<httplib::SSLServer>(h.tls_cert.c_str(), h.tls_key.c_str());
  if (!tls->is_valid()) {
    throw DomainError(ErrorCode::kInvalidConfig, "http.tls_cert / http.tls_key: cannot load a certificate from '" +
                                                     h.tls_cert + "' with the key in '" + h.tls_key + "'");
  }
  // Whatever the system's OpenSSL configuration allows: nothing older than TLS 1.2.
  SSL_CTX_set_min_proto_version(tls->ssl_context(), TLS1_2_VERSION);
  return tls;
}

void Server::configure() {
  const auto& h = settings_.http;
  const auto threads = static_cast<std::size_t>(h.threads);
  http_->new_task_queue = [this, threads] { return deadline_.task_queue(threads); };
  http_->set_read_timeout(static_cast<time_t>(h.read_timeout), 0);
  http_->set_write_timeout(static_cast<time_t>(h.write_timeout), 0);
  http_->set_keep_alive_timeout(static_cast<time_t>(h.keep_alive_timeout));
  http_->set_keep_alive_max_count(static_cast<std::size_t>(h.keep_alive_max_requests));
  http_->set_payload_max_length(static_cast<std::size_t>(std::max(h.max_body_bytes, h.max_batch_body_bytes)));
  http_->set_tcp_nodelay(true);
  // Every method reaches the one dispatcher, so 404, 405 and every error take the same path.
  // Bodies are read here, bounded as they arrive: this library version would read a chunked
  // body whole, whatever its size. A request is screened before its body is read.
  // The library calls its logger once an answer is written.
  http_->set_logger([](const httplib::Request&, const httplib::Response&) {
    RequestDeadline::answered();
    if (std::exchange(close_after_answer, false)) RequestDeadline::stop_reading();
  });
  http_->set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) { return screen(req, res); });
  const auto without_body = [this](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, router_.match(req.method, req.path), {});
  };
  const auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& read) { read_bounded_body(req, res, read); };
  http_->Get(".*", without_body);
  http_->Options(".*", without_body);
  http_->Post(".*", with_body);
  http_->Put(".*", with_body);
  http_->Patch(".*", with_body);
  http_->Delete(".*", with_body);
  http_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) { return on_library_error(req, res); }));
}

int Server::bind() {
  listener_ = bind_listener(*http_, settings_.http.listen, "http.listen");
  return listener_.port;
}

void Server::run() { http_->listen_after_bind(); }

void Server::stop() {
  if (!stopping_.exchange(true)) stop_listener(*http_, listener_);
}

// What a request may cost before anyone looks at its key: its headers are bounded, a body
// is allowed only on methods that take one, and a declared length past the bound is refused
// before a byte of it is read.
httplib::Server::HandlerResponse Server::screen(const httplib::Request& req, httplib::Response& res) {
  const auto& h = settings_.http;
  std::size_t header_bytes = 0;
  for (const auto& [name, value] : req.headers) header_bytes += name.size() + value.size();
  if (req.headers.size() > static_cast<std::size_t>(h.max_headers) ||
      header_bytes > static_cast<std::size_t>(h.max_header_bytes)) {
    return refuse(
        req, res,
        DomainError(ErrorCode::kHeadersTooLarge, "at most " + std::to_string(h.max_headers) + " header fields of " +
                                                     std::to_string(h.max_header_bytes) + " bytes in all"));
  }
  const bool takes_body =
      req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE";
  const bool has_body = req.has_header("Transfer-Encoding") ||
                        (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
  if (has_body && !takes_body) {
    return refuse(req, res, DomainError(ErrorCode::kInvalidRequest, req.method + " requests carry no body"));
  }
  if (req.has_header("Content-Length")) {
    // Digits past the bound (or past 64 bits) are too large; anything else the library refuses.
    const auto declared = req.get_header_value("Content-Length");
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(declared.data(), declared.data() + declared.size(), length);
    // Most requests are within the bound every route takes; only a longer one asks its route.
    const bool out_of_range = ec == std::errc::result_out_of_range;
    if (out_of_range || (ec == std::errc() && length > static_cast<std::uint64_t>(h.max_body_bytes))) {
      const auto limit = body_limit(router_.match(req.method, req.path).route);
      if (out_of_range || length > limit) return refuse(req, res, too_large_body(limit));
    }
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

std::size_t Server::body_limit(const Route* route) const {
  return route && route->max_body_after_auth ? route->max_body_after_auth
                                             : static_cast<std::size_t>(settings_.http.max_body_bytes);
}

// Reads at most `limit` bytes of the body; false when it is larger.
bool Server::read_body(const httplib::ContentReader& read, std::size_t limit, std::string& body) {
  bool too_large = false;
  // The library hands over the body as it arrives (inflated, when it was compressed); reading
  // stops at the first byte past the bound.
  read([&](const char* data, std::size_t length) {
    too_large = body.size() + length > limit;
    if (!too_large) body.append(data, length);
    return !too_large;
  });
  return !too_large;
}

void Server::read_bounded_body(const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& read) {
  auto route = router_.match(req.method, req.path);
  // A route with a larger body reads it once its caller is admitted (dispatch()).
  if (route.route && route.route->max_body_after_auth) {
    handle(req, res, std::move(route), {}, &read);
    return;
  }
  std::string body;
  const auto limit = body_limit(nullptr);
  if (!read_body(read, limit, body)) {
    refuse(req, res, too_large_body(limit));
    return;
  }
  handle(req, res, std::move(route), std::move(body));
}

void Server::handle(const httplib::Request& req, httplib::Response& res, RouteMatch route, std::string body,
                    const httplib::ContentReader* body_after_auth) {
  if (!body_after_auth && !RequestDeadline::request_read()) {
    res.status = 408;  // the connection was cut at its deadline: nobody is there to answer
    return;
  }
  const auto start = Clock::now();
  ++in_flight_;
  metrics_.request_started();
  Exchange ex{req, res, request_id_for(req), "unmatched", {}, "", std::nullopt, std::move(body)};
  res.set_header("X-Request-Id", ex.request_id);
  const auto fail = [&](const DomainError& e) {
    ex.error_code = std::string(e.name());
    send_problem(res, e, ex.request_id, req.path.substr(0, 256));
  };
  try {
    dispatch(ex, std::move(route), body_after_auth);
    // What this caller reads next (from a standby) must show this write.
    if (ex.req.method != "GET" && ex.res.status < 300) reads_.wrote(ex.key_scope());
  } catch (const ConnectionCut&) {
    res.status = 408;  // cut at its deadline while its body was read: nobody is there to answer
  } catch (const DomainError& e) {
    if (error_info(e.code()).error_class != ErrorClass::kUnavailable || e.code() == ErrorCode::kOutcomeUnknown) {
      fail(e);
    } else {
      // Which server could not be reached is for the operator's log, not for clients.
      log_event(spdlog::level::warn, "unavailable",
                {{"request_id", ex.request_id}, {"error", std::string(e.detail())}});
      fail(DomainError(ErrorCode::kUnavailable, "the ledger database is unavailable; try again shortly"));
    }
  } catch (const pg::Error& e) {
    if (e.kind() == pg::ErrorKind::kConnection) {
      fail(DomainError(ErrorCode::kUnavailable, "lost the connection to PostgreSQL; try again"));
    } else {
      log_event(spdlog::level::err, "database error",
                {{"request_id", ex.request_id}, {"sqlstate", e.sqlstate()}, {"error", e.what()}});
      fail(DomainError(ErrorCode::kInternal, "internal error (request id " + ex.request_id + ")"));
    }
  } catch (const std::exception& e) {
    log_event(spdlog::level::err, "unexpected error", {{"request_id", ex.request_id}, {"error", e.what()}});
    fail(DomainError(ErrorCode::kInternal, "internal error (request id " + ex.request_id + ")"));
  }
  finish(ex, start);
  --in_flight_;
}

void Server::dispatch(Exchange& ex, RouteMatch m, const httplib::ContentReader* body_after_auth) {
  if (!m.route) {
    if (!m.allowed.empty()) {
      ex.res.set_header("Allow", join(m.allowed));
      throw DomainError(ErrorCode::kMethodNotAllowed,
                        ex.req.method + " is not allowed here; allowed: " + join(m.allowed));
    }
    throw DomainError(ErrorCode::kNotFound, "no such route; see /openapi.json");
  }
  ex.route = m.route->path;
  ex.params = std::move(m.params);
  if (body_after_auth) {  // until its body is read, the rest of it is on the wire: a refusal closes
    close_after_answer = true;
    ex.res.set_header("Connection", "close");
  }
  ex.caller = auth_.admit(ex, m.route->scope);
  if (body_after_auth) {
    if (!read_body(*body_after_auth, m.route->max_body_after_auth, ex.body)) {
      throw too_large_body(m.route->max_body_after_auth);
    }
    close_after_answer = false;
    ex.res.headers.erase("Connection");
    if (!RequestDeadline::request_read()) throw ConnectionCut{};
  }
  m.route->handler(ex);
}

// Statuses the library produces before any handler runs (URI too long, malformed request
// line, unknown method) get the same problem documents, ids and log lines.
httplib::Server::HandlerResponse Server::on_library_error(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own answer
  ErrorCode code = error_for_status(res.status);
  std::string detail = "the server could not accept this request";
  if (!is_known_method(req.method)) {
    code = ErrorCode::kMethodNotAllowed;
    const auto allowed = router_.match("GET", req.path).allowed;
    if (!allowed.empty()) res.set_header("Allow", join(allowed));
    detail = "unsupported method";
  } else if (code == ErrorCode::kPayloadTooLarge) {
    return refuse(req, res, too_large_body(body_limit(router_.match(req.method, req.path).route)));
  }
  return refuse(req, res, DomainError(code, detail));
}

// A request answered without reaching a route: counted, logged and answered like any other,
// and its connection closed (what is left of its body is never read).
httplib::Server::HandlerResponse Server::refuse(const httplib::Request& req, httplib::Response& res,
                                                const DomainError& error) {
  const auto start = Clock::now();
  metrics_.request_started();
  Exchange ex{req, res, request_id_for(req), "unmatched", {}, std::string(error.name()), std::nullopt, {}};
  res.set_header("X-Request-Id", ex.request_id);
  res.set_header("Connection", "close");
  close_after_answer = true;
  send_problem(res, error, ex.request_id, req.path.substr(0, 256));
  finish(ex, start);
  return httplib::Server::HandlerResponse::Handled;
}

DomainError Server::too_large_body(std::size_t limit) {
  return DomainError(ErrorCode::kPayloadTooLarge, "the body is larger than " + std::to_string(limit) + " bytes");
}

void Server::finish(const Exchange& ex, Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  metrics_.request_finished(ex.route, ex.req.method, ex.res.status, seconds);
  const auto level = ex.res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  if (!log_enabled(level)) return;  // no access line at this level: its fields are not built either
  nlohmann::json fields = {{"request_id", ex.request_id}, {"method", ex.req.method},
                           {"route", ex.route},           {"path", ex.req.path.substr(0, 256)},
                           {"status", ex.res.status},     {"duration_ms", std::round(seconds * 1e5) / 100},
                           {"remote", ex.req.remote_addr}};
  if (!ex.error_code.empty()) fields["code"] = ex.error_code;
  log_event(level, "request", fields);
}

}  // namespace wallet::daemon
