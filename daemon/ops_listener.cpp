#include "daemon/ops_listener.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "daemon/http/problem.hpp"

namespace wallet::daemon {
namespace {

// What one request may cost, none of it configurable because nothing here needs more: two
// threads, a request line and headers the library bounds (8 KiB a line), at most this many
// header fields, no body, and a client that dawdles is cut after a few seconds.
constexpr std::size_t kThreads = 2;
constexpr std::size_t kMaxHeaders = 32;
constexpr time_t kTimeoutSeconds = 5;

void refuse(httplib::Response& res, ErrorCode code, const std::string& detail, const std::string& path) {
  send_problem(res, DomainError(code, detail), new_uuid(), path);
  res.set_header("Connection", "close");
}

}  // namespace

OpsListener::OpsListener(std::string setting, std::string listen, std::function<std::string()> metrics)
    : setting_(std::move(setting)), listen_(std::move(listen)), metrics_(std::move(metrics)) {
  http_.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http_.set_read_timeout(kTimeoutSeconds, 0);
  http_.set_write_timeout(kTimeoutSeconds, 0);
  http_.set_keep_alive_timeout(kTimeoutSeconds);
  http_.set_payload_max_length(0);
  http_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") {
      refuse(res, ErrorCode::kMethodNotAllowed, "this port answers GET /healthz and GET /metrics only", req.path);
      res.set_header("Allow", "GET, HEAD");
    } else if (req.headers.size() > kMaxHeaders) {
      refuse(res, ErrorCode::kHeadersTooLarge, "at most " + std::to_string(kMaxHeaders) + " header fields", req.path);
    } else if (req.has_header("Transfer-Encoding") ||
               (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0")) {
      refuse(res, ErrorCode::kInvalidRequest, "GET requests carry no body", req.path);
    } else if (!req.params.empty()) {
      refuse(res, ErrorCode::kInvalidRequest, "these routes take no query parameters", req.path);
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(nlohmann::json{{"status", "ok"}}.dump(), "application/json");
  });
  http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_(), "text/plain; version=0.0.4; charset=utf-8");
  });
  http_.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // refused above
        refuse(res, error_for_status(res.status),
               res.status == 404 ? "this port answers GET /healthz and GET /metrics only" : "the request was refused",
               req.path);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

OpsListener::~OpsListener() { stop(); }

int OpsListener::start() {
  bound_ = bind_listener(http_, listen_, setting_);
  thread_ = std::thread([this] { http_.listen_after_bind(); });
  return bound_.port;
}

std::string OpsListener::url() const {
  return bound_.url("http");
}

void OpsListener::stop() {
  if (stopped_ || !thread_.joinable()) return;
  stopped_ = true;
  stop_listener(http_, bound_);
  thread_.join();
}

}  // namespace wallet::daemon
