#include "daemon/http/json_body.hpp"

#include <algorithm>
#include <set>

namespace wallet::daemon {
namespace {

using nlohmann::json;

[[noreturn]] void invalid_json(const std::string& detail) { throw DomainError(ErrorCode::kInvalidJson, detail); }

std::string type_name(const json& v) {
  if (v.is_number_float()) return "a fractional number";
  if (v.is_number()) return "an integer";
  if (v.is_object() || v.is_array()) return std::string("an ") + v.type_name();
  return std::string("a ") + v.type_name();
}

}  // namespace

JsonBody JsonBody::parse(std::string_view text, std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen, seen_in_metadata;
  std::string field;  // the top-level field being parsed
  // Duplicate keys are refused: two parsers that keep different copies of a key is how
  // request smuggling starts. Values may be one level deep (so a wrong type gets the field's
  // own error), never deeper; metadata's own values are refused as metadata.
  const json::parser_callback_t guard = [&](int depth, json::parse_event_t event, json& parsed) {
    const bool nested = event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (event == json::parse_event_t::key && depth == 1) {
      field = parsed.get<std::string>();
      if (!seen.insert(field).second) invalid_json("field '" + field + "' appears twice");
    }
    if (field == kMetadataField && depth == 2) {
      if (event == json::parse_event_t::key && !seen_in_metadata.insert(parsed.get<std::string>()).second) {
        throw DomainError(ErrorCode::kInvalidMetadata, "metadata: key '" + parsed.get<std::string>().substr(0, 64) +
                                                           "' appears twice");
      }
      if (nested) throw DomainError(ErrorCode::kInvalidMetadata, "metadata: values must be strings");
    }
    if (nested && depth > 1) invalid_json("fields hold single values, not nested objects or arrays");
    return true;
  };
  json object;
  try {
    object = json::parse(text.begin(), text.end(), guard);
  } catch (const json::exception& e) {
    // A syntax error, or a number too large for a double (found by the fuzzer: it escaped as
    // a 500). nlohmann's message names the position and what it expected, after an internal tag.
    std::string why = e.what();
    if (const auto tag = why.find("] "); tag != std::string::npos) why = why.substr(tag + 2);
    invalid_json("body is not valid JSON: " + why.substr(0, 200));
  }
  if (!object.is_object()) invalid_json("body must be a JSON object, got " + type_name(object));
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      throw DomainError(ErrorCode::kUnknownField, "unknown field '" + key.substr(0, 64) + "'; accepted: " + names);
    }
  }
  return JsonBody(std::move(object));
}

const json* JsonBody::find(std::string_view name) const {
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

Metadata JsonBody::metadata() const {
  const auto* v = find(kMetadataField);
  return v ? parse_metadata(*v) : Metadata{};
}

bool JsonBody::has(std::string_view name) const { return find(name) != nullptr; }

void JsonBody::require(std::string_view name) const {
  if (!has(name)) throw DomainError(ErrorCode::kMissingField, "field '" + std::string(name) + "' is required");
}

std::optional<std::string> JsonBody::string(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw DomainError(code, std::string(name) + " must be a string, got " + type_name(*v));
  return v->get<std::string>();
}

std::optional<bool> JsonBody::boolean(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) throw DomainError(code, std::string(name) + " must be true or false");
  return v->get<bool>();
}

std::optional<std::int64_t> JsonBody::integer(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      throw DomainError(code, std::string(name) + " is beyond the 64-bit range");
    }
    return static_cast<std::int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_float()) {
    throw DomainError(code,
                      std::string(name) + " must be an integer (minor units), got a fractional or out-of-range number");
  }
  throw DomainError(code, std::string(name) + " must be an integer, got " + type_name(*v));
}

std::optional<std::string> JsonBody::string_or_integer(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (v->is_number_integer() || v->is_number_unsigned()) return v->dump();
  if (v->is_string()) return v->get<std::string>();
  throw DomainError(code, std::string(name) + " must be a string or an integer, got " + type_name(*v));
}

}  // namespace wallet::daemon
