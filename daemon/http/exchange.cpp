#include "daemon/http/exchange.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "core/metadata.hpp"

namespace wallet::daemon {
namespace {

// A history's filter by one metadata pair: ?metadata.order_id=A17
constexpr std::string_view kMetadataQueryPrefix = "metadata.";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t");
  return first == std::string::npos ? "" : s.substr(first, last - first + 1);
}

}  // namespace

void Exchange::send_json(int status, const nlohmann::json& document) { send_json_text(status, document.dump()); }

const std::optional<std::string>& Exchange::caller_user() const {
  static const std::optional<std::string> kNobody;
  return caller ? caller->user_id : kNobody;
}

void Exchange::require_owner(const std::string& owner, ErrorCode not_found, const std::string& detail) const {
  if (caller_user() && *caller_user() != owner) throw DomainError(not_found, detail);
}

void Exchange::send_json_text(int status, std::string text) {
  res.status = status;
  res.set_content(std::move(text), "application/json");
}

std::optional<std::string> Exchange::header(const char* name) const {
  const auto n = req.get_header_value_count(name);
  if (n == 0) return std::nullopt;
  if (n > 1) throw DomainError(ErrorCode::kInvalidRequest, std::string("header ") + name + " appears more than once");
  return req.get_header_value(name);
}

void Exchange::allow_query(std::initializer_list<std::string_view> names, bool metadata_filter) const {
  for (const auto& [key, value] : req.params) {
    const bool filter = metadata_filter && key.starts_with(kMetadataQueryPrefix);
    if (!filter && std::find(names.begin(), names.end(), key) == names.end()) {
      throw DomainError(ErrorCode::kUnknownField, "unknown query parameter '" + key.substr(0, 64) + "'");
    }
    if (req.get_param_value_count(key.c_str()) > 1) {
      throw DomainError(ErrorCode::kInvalidRequest, "query parameter '" + key + "' appears more than once");
    }
  }
}

std::optional<std::pair<std::string, std::string>> Exchange::metadata_pair() const {
  std::optional<std::pair<std::string, std::string>> pair;
  for (const auto& [key, value] : req.params) {
    if (!key.starts_with(kMetadataQueryPrefix)) continue;
    if (pair) throw DomainError(ErrorCode::kInvalidMetadata, "metadata: filter by one pair at most");
    pair = checked_metadata_pair(key.substr(kMetadataQueryPrefix.size()), value);
  }
  return pair;
}

std::optional<std::string> Exchange::query(const char* name) const {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

void Exchange::require_json_body() const {
  const auto type = header("Content-Type");
  const std::string media = type ? lower(trim(type->substr(0, type->find(';')))) : "";
  if (media != "application/json") {
    throw DomainError(
        ErrorCode::kUnsupportedMediaType,
        "send the body as application/json" + (type ? ", not '" + type->substr(0, 100) + "'" : std::string()));
  }
}

}  // namespace wallet::daemon
