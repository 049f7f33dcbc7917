// Writing CSV fields (RFC 4180): quoted only when they must be.
#pragma once

#include <string>
#include <string_view>

namespace wallet {

/// The field as it must appear in a CSV line: quoted, with quotes doubled, when it holds a
/// comma, a quote or a line break.
inline std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace wallet
