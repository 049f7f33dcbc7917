// The route table: method and path template ("/wallets/{id}") to handler. One table serves
// dispatch, 404 versus 405 (with Allow), the metric and log labels, and the check that the
// OpenAPI document lists exactly these routes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_keys.hpp"

namespace wallet::daemon {

struct Exchange;
using Handler = std::function<void(Exchange&)>;

struct Route {
  std::string method;  // GET, POST, ...
  std::string path;    // template: literal segments and {name} segments
  Handler handler;
  ApiScope scope;  // the least an API key needs to call it
  /// The body this route accepts, read only once the caller is admitted (0: http.max_body_bytes,
  /// read before authentication).
  std::size_t max_body_after_auth = 0;
};

struct RouteMatch {
  const Route* route = nullptr;      // null: no route for this method and path
  std::vector<std::string> params;   // values of the {name} segments, in order
  std::vector<std::string> allowed;  // methods the path does have (for 405 and Allow)
};

/// The methods walletctl answers (any other is refused, and counted as "other" in metrics).
bool is_known_method(std::string_view method);

class Router {
 public:
  /// The scope defaults to read for GET and write for anything else.
  void add(std::string method, std::string path, Handler handler, std::optional<ApiScope> scope = std::nullopt);
  /// A route whose body may be larger than http.max_body_bytes, up to `max_body`: the server
  /// authenticates its caller before reading a byte of it.
  void add_large_body(std::string method, std::string path, Handler handler, std::size_t max_body);
  /// HEAD is answered by the GET route of a path.
  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace wallet::daemon
