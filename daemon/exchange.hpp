// One HTTP request and its response as the handlers see them, with what the server learned
// about it on the way in (request id, route, path parameters).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wallet::daemon {

struct Exchange {
  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id;
  std::string route;                // the route template, or "unmatched"
  std::vector<std::string> params;  // path parameters, in template order
  std::string error_code;           // the problem code sent, for the log line

  /// Sends a JSON body with a status.
  void send_json(int status, const nlohmann::json& body);
  /// A body that is JSON text already (a cached copy).
  void send_json_text(int status, std::string body);
  /// The value of a header when the request carried it once; several copies are refused.
  std::optional<std::string> header(const char* name) const;
  /// The value of a query parameter; unknown or repeated parameters are refused, so typos
  /// and ambiguity are caught rather than ignored.
  std::optional<std::string> query(const char* name) const;
  /// Refuses query parameters other than those named.
  void allow_query(std::initializer_list<std::string_view> names) const;
  /// Refuses a body that is not declared as JSON.
  void require_json_body() const;
};

}  // namespace wallet::daemon
