// One statement parameter: NULL, a value in PostgreSQL's text format, or a whole column of a
// batch as an array. Arrays travel in PostgreSQL's binary array format when the prepared
// statement's parameter is an array of a type encoded here (uuid, text, bigint, integer,
// boolean, json, jsonb): the server then skips array_in's parse of a quoted literal, which
// took a fifth of a replay's server CPU. Any other array, or an element that does not encode
// (a malformed uuid), goes as a text literal, so the server judges it exactly as before.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace wallet::pg {

class Param {
 public:
  using TextElements = std::vector<std::optional<std::string>>;
  using IntElements = std::vector<std::int64_t>;

  Param() = default;  // NULL
  Param(std::nullopt_t) {}
  Param(std::string text) : value_(std::move(text)) {}
  Param(const char* text) : value_(std::string(text)) {}
  Param(std::optional<std::string> text) {
    if (text) value_ = std::move(*text);
  }
  static Param array(TextElements elements) {
    return Param(Value(std::make_shared<const TextElements>(std::move(elements))));
  }
  static Param array(IntElements elements) {
    return Param(Value(std::make_shared<const IntElements>(std::move(elements))));
  }

  /// The bytes to send for a parameter the statement declares as `type` (an OID; 0 when
  /// unknown); binary tells the format chosen. Empty optional: SQL NULL.
  struct Wire {
    std::optional<std::string> bytes;
    bool binary = false;
  };
  Wire wire(Oid type) const;

 private:
  // Arrays are shared, not copied, when a statement is (pipelines copy the statements they
  // put together): a batch's columns hold thousands of elements.
  using Value = std::variant<std::monostate, std::string, std::shared_ptr<const TextElements>,
                             std::shared_ptr<const IntElements>>;
  explicit Param(Value value) : value_(std::move(value)) {}
  Value value_;
};

using Params = std::vector<Param>;

}  // namespace wallet::pg
