#include "core/pg/array.hpp"

namespace wallet::pg {
namespace {

void append_quoted(std::string& out, const std::string& value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_quoted(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    append_quoted(out, *value);
  } else {
    out += "NULL";
  }
}

template <class Value>
std::string quoted_array(const std::vector<Value>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    append_quoted(out, values[i]);
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string text_array(const std::vector<std::optional<std::string>>& values) { return quoted_array(values); }
std::string text_array(const std::vector<std::string>& values) { return quoted_array(values); }

std::string int_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(values[i]);
  }
  out.push_back('}');
  return out;
}

}  // namespace wallet::pg
