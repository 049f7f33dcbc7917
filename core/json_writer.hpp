// JSON text written straight into a string, for the answers and events of the write path:
// building an nlohmann tree first costs an allocation per member, which showed as a tenth of
// serve's CPU per transfer (docs/write-path.md). Members come out in the order written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/metadata.hpp"

namespace wallet {

class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  /// The name of the next member; its value follows with one of the calls below.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view value);
  JsonWriter& number(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  /// A string, or null when there is none.
  JsonWriter& optional_string(const std::optional<std::string>& value);
  /// An object of the pairs, in their (sorted) order.
  JsonWriter& metadata(const Metadata& pairs);
  /// A value that is JSON text already (a stored document, a nested answer).
  JsonWriter& raw(std::string_view json);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void separate();

  std::string out_;
  bool need_comma_ = false;  // a value was written at this level: the next one needs a comma
};

/// `object` (JSON text of an object with members) with one more member at its end.
std::string with_member(std::string object, std::string_view key, std::string_view value);

/// `value` as a JSON string, quotes included, escaped as nlohmann::json::dump does. Throws
/// std::invalid_argument on text that is not UTF-8 (everything stored was checked on input).
void append_json_string(std::string& out, std::string_view value);

}  // namespace wallet
