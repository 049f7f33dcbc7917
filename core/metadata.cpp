#include "core/metadata.hpp"

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/json_writer.hpp"

namespace wallet {
namespace {

[[noreturn]] void invalid(const std::string& detail) {
  throw DomainError(ErrorCode::kInvalidMetadata, "metadata: " + detail);
}

std::string clipped(std::string_view text) { return std::string(text.substr(0, 64)); }

void check_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxMetadataKeyBytes) {
    invalid("key '" + clipped(key) + "' must be 1 to 64 characters");
  }
  for (const char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) invalid("key '" + clipped(key) + "' may hold only letters, digits, '_', '.' and '-'");
  }
}

void check_value(const std::string& key, std::string_view value) {
  if (value.size() > kMaxMetadataValueBytes) invalid("value of '" + key + "' is longer than 512 bytes");
  if (!valid_utf8(value) || has_control_character(value)) invalid("value of '" + key + "' must be printable UTF-8 text");
}

}  // namespace

void check_metadata(const Metadata& metadata) {
  if (metadata.size() > kMaxMetadataKeys) invalid("at most 16 keys, got " + std::to_string(metadata.size()));
  std::size_t bytes = 0;
  for (const auto& [key, value] : metadata) {
    check_key(key);
    check_value(key, value);
    bytes += key.size() + value.size();
  }
  if (bytes > kMaxMetadataBytes) invalid("keys and values hold " + std::to_string(bytes) + " bytes, at most 4096");
}

Metadata parse_metadata(const nlohmann::json& value) {
  if (!value.is_object()) invalid("must be a JSON object of string values, got " + std::string(value.type_name()));
  // Counted before anything is copied: a huge object costs no more than its parse did.
  if (value.size() > kMaxMetadataKeys) invalid("at most 16 keys, got " + std::to_string(value.size()));
  Metadata out;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) invalid("value of '" + clipped(key) + "' must be a string, got " + std::string(v.type_name()));
    out.emplace(key, v.get<std::string>());
  }
  check_metadata(out);  // the keys, the values and the total
  return out;
}

Metadata parse_metadata_text(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > 2 * kMaxMetadataBytes + 1024) invalid("longer than any valid metadata");
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    invalid("not valid JSON");
  }
  return parse_metadata(parsed);
}

std::pair<std::string, std::string> parse_metadata_pair(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) invalid("'" + clipped(text) + "' is not key=value");
  return checked_metadata_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

std::pair<std::string, std::string> checked_metadata_pair(std::string key, std::string value) {
  check_key(key);
  check_value(key, value);
  return {std::move(key), std::move(value)};
}

std::string metadata_text(const Metadata& metadata) { return JsonWriter().metadata(metadata).take(); }

std::optional<std::string> metadata_column(const Metadata& metadata) {
  if (metadata.empty()) return std::nullopt;
  return metadata_text(metadata);
}

Metadata metadata_from_column(const std::optional<std::string>& text) {
  if (!text) return {};
  return nlohmann::json::parse(*text).get<Metadata>();
}

}  // namespace wallet
