// One HTTP request and its response as the handlers see them, with what the server learned
// about it on the way in (request id, route, path parameters).
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api_keys.hpp"
#include "core/errors.hpp"

namespace wallet::daemon {

struct Exchange {
  const httplib::Request& req;
  httplib::Response& res;
  std::string request_id;
  std::string route;                // the route template, or "unmatched"
  std::vector<std::string> params;  // path parameters, in template order
  std::string error_code;           // the problem code sent, for the log line
  std::optional<ApiKey> caller;     // the API key that made the request (none: auth off, public route)
  std::string body;                 // as read by the server, never more than http.max_body_bytes

  /// The idempotency key space of the caller: its API key's.
  std::string key_scope() const { return caller ? caller->id : ""; }
  /// The user the caller is bound to, if its key is.
  const std::optional<std::string>& caller_user() const;
  /// Refuses a resource of another user than the one the caller is bound to with the same
  /// not-found error a missing one gets, so ids cannot be probed.
  void require_owner(const std::string& owner, ErrorCode not_found, const std::string& detail) const;

  /// Sends a JSON body with a status.
  void send_json(int status, const nlohmann::json& document);
  /// A body that is JSON text already (a cached copy).
  void send_json_text(int status, std::string text);
  /// The value of a header when the request carried it once; several copies are refused.
  std::optional<std::string> header(const char* name) const;
  /// The value of a query parameter; unknown or repeated parameters are refused, so typos
  /// and ambiguity are caught rather than ignored.
  std::optional<std::string> query(const char* name) const;
  /// Refuses query parameters other than those named (and, with `metadata_filter`, the
  /// `metadata.KEY` parameters that metadata_pair() reads).
  void allow_query(std::initializer_list<std::string_view> names, bool metadata_filter = false) const;
  /// The `metadata.KEY=VALUE` filter of a history, validated; more than one is refused.
  std::optional<std::pair<std::string, std::string>> metadata_pair() const;
  /// Refuses a body that is not declared as JSON.
  void require_json_body() const;
};

}  // namespace wallet::daemon
