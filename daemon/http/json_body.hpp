// Request bodies: strict decoding of a flat JSON object whose every field is known, with typed
// accessors that refuse a wrong type with the field's own error code.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/metadata.hpp"

namespace wallet::daemon {

/// The field that holds a client's own pairs, in every body that accepts them.
inline constexpr std::string_view kMetadataField = "metadata";

class JsonBody {
 public:
  /// Parses text as a JSON object. Throws DomainError(kInvalidJson) for malformed JSON (invalid
  /// UTF-8 included), a value that is not an object, a duplicated key or nesting deeper than a
  /// field value; DomainError(kUnknownField) for a field not in `allowed`.
  static JsonBody parse(std::string_view text, std::initializer_list<std::string_view> allowed);

  /// True when the field is present and not null (null means "absent" for optional fields).
  bool has(std::string_view name) const;
  /// The field as a string; absent or null gives nullopt; another type throws `code`.
  std::optional<std::string> string(std::string_view name, ErrorCode code) const;
  /// The field as a signed 64-bit integer; a float, a string or a value beyond 64 bits throws
  /// `code`.
  std::optional<std::int64_t> integer(std::string_view name, ErrorCode code) const;
  /// The field as true or false; absent or null gives nullopt; another type throws `code`.
  std::optional<bool> boolean(std::string_view name, ErrorCode code) const;
  /// A string, or an integer given as its decimal text (user ids may be either).
  std::optional<std::string> string_or_integer(std::string_view name, ErrorCode code) const;

  /// The `metadata` object (none when absent or null). Throws DomainError(kInvalidMetadata).
  Metadata metadata() const;

  /// Throws DomainError(kMissingField) unless the field is present and not null.
  void require(std::string_view name) const;

 private:
  explicit JsonBody(nlohmann::json object) : object_(std::move(object)) {}
  const nlohmann::json* find(std::string_view name) const;
  nlohmann::json object_;
};

}  // namespace wallet::daemon
