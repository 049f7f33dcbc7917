// Request bodies: strict decoding of a flat JSON object whose every field is known, with typed
// accessors that refuse a wrong type with the field's own error code. Bodies are read from
// the parser's events (SAX) into a flat list of fields: no JSON tree is built, for a single
// request or for each operation of a batch (batch_request.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/metadata.hpp"

namespace wallet::daemon {

/// The field that holds a client's own pairs, in every body that accepts them.
inline constexpr std::string_view kMetadataField = "metadata";
/// More fields than any body accepts: past this an object is refused while it is read, so a
/// body of many small fields costs no more than its parse.
inline constexpr std::size_t kMaxFieldsPerObject = 64;

/// A field's value as a flat body keeps it: a scalar, or only the kind of a container (a field
/// holds single values; its own accessor then refuses the container with the field's code).
struct JsonScalar {
  enum class Type { kNull, kBoolean, kInteger, kUnsigned, kFloat, kString, kObject, kArray };
  JsonScalar() = default;
  explicit JsonScalar(Type t) : type(t) {}
  Type type = Type::kNull;
  bool boolean = false;
  std::int64_t integer = 0;            // kInteger (negative integers)
  std::uint64_t unsigned_integer = 0;  // kUnsigned (integers from 0)
  std::string text;                    // kString
};

class JsonBody {
 public:
  /// Parses text as a JSON object. Throws DomainError(kInvalidJson) for malformed JSON (invalid
  /// UTF-8 included), a value that is not an object, a duplicated key or nesting deeper than a
  /// field value; DomainError(kUnknownField) for a field not in `allowed`.
  static JsonBody parse(std::string_view text, std::span<const std::string_view> allowed);
  static JsonBody parse(std::string_view text, std::initializer_list<std::string_view> allowed) {
    return parse(text, std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }
  /// The same without the check of field names (the caller's allow_only() does it).
  static JsonBody read(std::string_view text);

  /// Throws DomainError(kUnknownField) naming the first field in neither list.
  void allow_only(std::span<const std::string_view> allowed, std::span<const std::string_view> also = {}) const;

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
  friend class FlatObjectReader;
  const JsonScalar* find(std::string_view name) const;

  std::vector<std::pair<std::string, JsonScalar>> fields_;  // in the order sent
  // The pairs of the metadata object, when it is one: the first kMaxMetadataKeys + 1 (enough
  // to refuse too many), and how many there were.
  std::vector<std::pair<std::string, JsonScalar>> metadata_pairs_;
  std::size_t metadata_keys_ = 0;
};

/// Builds one JsonBody from the parser's events inside an object (after its `{`). The first
/// structural error (a duplicated field, a nested container, a duplicated metadata key, too
/// many fields) is kept, and the rest of the object is skipped; the caller decides whether it
/// refuses the whole body (a single request) or only this object (an operation of a batch).
class FlatObjectReader {
 public:
  // Each returns false once the object's closing `}` is read.
  bool key(std::string& name);
  bool value(JsonScalar value);
  bool open(JsonScalar::Type container);
  bool close();

  const std::optional<DomainError>& error() const { return error_; }
  JsonBody take() { return std::move(body_); }

 private:
  void fail(ErrorCode code, std::string detail);
  bool in_metadata() const;

  JsonBody body_;
  std::optional<DomainError> error_;
  std::string key_;       // the key whose value comes next (in the object or in metadata)
  std::size_t depth_ = 0;  // 0: in the object; 1: inside a field's container; more: deeper
};

/// Throws DomainError(kInvalidJson, "body is not valid JSON: ...") from a parser message.
[[noreturn]] void throw_malformed(std::string_view parser_message);

/// Forwards nlohmann's SAX events to a handler's five: key, value, open, close (each returns
/// whether to go on) and a malformed-JSON error, which is thrown as DomainError(kInvalidJson).
template <class Handler>
class SaxEvents {
 public:
  using json = nlohmann::json;
  explicit SaxEvents(Handler& h) : h_(h) {}
  bool null() { return h_.value(JsonScalar{}); }
  bool boolean(bool b) {
    JsonScalar v{JsonScalar::Type::kBoolean};
    v.boolean = b;
    return h_.value(std::move(v));
  }
  bool number_integer(json::number_integer_t i) {
    JsonScalar v{JsonScalar::Type::kInteger};
    v.integer = i;
    return h_.value(std::move(v));
  }
  bool number_unsigned(json::number_unsigned_t u) {
    JsonScalar v{JsonScalar::Type::kUnsigned};
    v.unsigned_integer = u;
    return h_.value(std::move(v));
  }
  bool number_float(json::number_float_t, const std::string&) { return h_.value(JsonScalar{JsonScalar::Type::kFloat}); }
  bool string(std::string& s) {
    JsonScalar v{JsonScalar::Type::kString};
    v.text = std::move(s);
    return h_.value(std::move(v));
  }
  bool binary(json::binary_t&) { return h_.value(JsonScalar{JsonScalar::Type::kString}); }  // not in JSON text
  bool start_object(std::size_t) { return h_.open(JsonScalar::Type::kObject); }
  bool end_object() { return h_.close(); }
  bool start_array(std::size_t) { return h_.open(JsonScalar::Type::kArray); }
  bool end_array() { return h_.close(); }
  bool key(std::string& k) { return h_.key(k); }
  [[noreturn]] bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    throw_malformed(e.what());
  }

 private:
  Handler& h_;
};

/// Runs the parser over text with a handler (SaxEvents). Malformed JSON, a number too large for
/// a double included, is DomainError(kInvalidJson) with the parser's own words.
template <class Handler>
void parse_events(std::string_view text, Handler& handler) {
  SaxEvents<Handler> events(handler);
  nlohmann::json::sax_parse(text.begin(), text.end(), &events);
}

/// Throws DomainError(kInvalidJson, "body must be a JSON object, got ..."): a body (or a line of
/// a batch file) whose first value is not an object.
[[noreturn]] void throw_not_an_object(const JsonScalar& value);

/// How an error message names a value's type: "an integer", "a string", "an object", ...
std::string json_type_name(const JsonScalar& value);

}  // namespace wallet::daemon
