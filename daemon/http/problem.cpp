#include "daemon/http/problem.hpp"

#include <nlohmann/json.hpp>

namespace wallet::daemon {

nlohmann::json problem_document(const DomainError& error, const std::string& request_id, const std::string& instance) {
  const auto& info = error_info(error.code());
  return {{"type", "urn:walletctl:problem:" + std::string(info.name)},
          {"title", info.title},
          {"status", info.http_status},
          {"detail", error.detail()},
          {"code", info.name},
          {"instance", instance},
          {"request_id", request_id}};
}

std::string json_text(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_problem(httplib::Response& res, const DomainError& error, const std::string& request_id,
                  const std::string& instance) {
  res.status = error_info(error.code()).http_status;
  res.set_content(json_text(problem_document(error, request_id, instance)), "application/problem+json");
}

ErrorCode error_for_status(int status) {
  switch (status) {
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kMethodNotAllowed;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 414:
      return ErrorCode::kUriTooLong;
    case 415:
      return ErrorCode::kUnsupportedMediaType;
    case 431:
      return ErrorCode::kHeadersTooLarge;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidRequest;
  }
}

}  // namespace wallet::daemon
