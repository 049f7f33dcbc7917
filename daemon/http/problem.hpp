// Errors as RFC 9457 problem+json: the one place where a core error code becomes what an HTTP
// client sees.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <string>

#include "core/errors.hpp"

namespace wallet::daemon {

/// The problem document of an error: status and title from the core's error table, the
/// error's detail, its stable `code`, and the request id.
nlohmann::json problem_document(const DomainError& error, const std::string& request_id, const std::string& instance);

/// A document as text. Details may quote client input; bad UTF-8 in them is replaced, so the
/// text is always valid JSON.
std::string json_text(const nlohmann::json& document);

/// Writes the problem document for an error: status and title from the core's error table,
/// the error's detail, its stable `code`, and the request id.
void send_problem(httplib::Response& res, const DomainError& error, const std::string& request_id,
                  const std::string& instance);

/// The error code for a status the HTTP library produced on its own (413, 414, 400, ...).
ErrorCode error_for_status(int status);

}  // namespace wallet::daemon
