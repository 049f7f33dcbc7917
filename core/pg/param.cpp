#include "core/pg/param.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace wallet::pg {
namespace {

// Fixed OIDs of PostgreSQL's built-in types (catalog/pg_type.dat; they never change).
struct ArrayType {
  Oid array, element;
};
constexpr Oid kBool = 16, kInt8 = 20, kInt4 = 23, kText = 25, kJson = 114, kUuid = 2950, kJsonb = 3802;
constexpr std::array<ArrayType, 7> kEncodedArrays{{{1000, kBool},
                                                   {1016, kInt8},
                                                   {1007, kInt4},
                                                   {1009, kText},
                                                   {199, kJson},
                                                   {2951, kUuid},
                                                   {3807, kJsonb}}};

std::optional<Oid> element_of(Oid array_type) {
  for (const auto& t : kEncodedArrays) {
    if (t.array == array_type) return t.element;
  }
  return std::nullopt;
}

// Network byte order.
void put_int32(std::string& out, std::uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                         static_cast<char>(v)};
  out.append(bytes, sizeof bytes);
}

void put_int64(std::string& out, std::uint64_t v) {
  put_int32(out, static_cast<std::uint32_t>(v >> 32));
  put_int32(out, static_cast<std::uint32_t>(v));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The canonical 8-4-4-4-12 form only; anything else goes as text for the server to judge.
bool put_uuid(std::string& out, const std::string& text) {
  if (text.size() != 36) return false;
  char bytes[16];
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-') return false;
      continue;
    }
    const int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[n++] = static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  put_int32(out, 16);
  out.append(bytes, sizeof bytes);
  return true;
}

bool put_integer(std::string& out, Oid element, std::int64_t v) {
  if (element == kInt8) {
    put_int32(out, 8);
    put_int64(out, static_cast<std::uint64_t>(v));
    return true;
  }
  if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) return false;
  put_int32(out, 4);
  put_int32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
  return true;
}

bool put_element(std::string& out, Oid element, const std::string& text) {
  switch (element) {
    case kUuid:
      return put_uuid(out, text);
    case kText:
    case kJson:
      put_int32(out, static_cast<std::uint32_t>(text.size()));
      out += text;
      return true;
    case kJsonb:  // format version 1: the JSON text
      put_int32(out, static_cast<std::uint32_t>(text.size() + 1));
      out.push_back('\x01');
      out += text;
      return true;
    case kBool:
      if (text != "true" && text != "false" && text != "t" && text != "f") return false;
      put_int32(out, 1);
      out.push_back(text[0] == 't' ? '\x01' : '\x00');
      return true;
    case kInt8:
    case kInt4: {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      return ec == std::errc() && end == text.data() + text.size() && put_integer(out, element, v);
    }
    default:
      return false;
  }
}

bool put_element(std::string& out, Oid element, const std::optional<std::string>& text) {
  if (!text) {
    put_int32(out, 0xffffffffu);  // length -1: NULL
    return true;
  }
  return put_element(out, element, *text);
}

bool put_element(std::string& out, Oid element, std::int64_t v) {
  if (element != kInt8 && element != kInt4) return false;
  return put_integer(out, element, v);
}

bool has_null(const Param::TextElements& elements) {
  for (const auto& e : elements) {
    if (!e) return true;
  }
  return false;
}
bool has_null(const Param::IntElements&) { return false; }

// The bytes an array's binary form takes, near enough to reserve them at once.
std::size_t size_hint(const Param::TextElements& elements) {
  std::size_t bytes = 0;
  for (const auto& e : elements) bytes += 5 + (e ? e->size() : 0);
  return bytes;
}
std::size_t size_hint(const Param::IntElements& elements) { return elements.size() * 12; }

// array_recv's layout: dimensions, a has-null flag, the element type, each dimension's length
// and lower bound, then every element as a length and its bytes.
template <class Elements>
std::optional<std::string> binary_array(Oid element, const Elements& elements) {
  std::string out;
  out.reserve(20 + size_hint(elements));
  const bool empty = elements.empty();
  put_int32(out, empty ? 0 : 1);
  put_int32(out, has_null(elements) ? 1 : 0);
  put_int32(out, element);
  if (empty) return out;
  put_int32(out, static_cast<std::uint32_t>(elements.size()));
  put_int32(out, 1);
  for (const auto& e : elements) {
    if (!put_element(out, element, e)) return std::nullopt;
  }
  return out;
}

// {"a","b",NULL}: every element quoted, so any text (commas, quotes, braces) is safe.
std::string text_literal(const Param::TextElements& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i) out.push_back(',');
    if (!elements[i]) {
      out += "NULL";
      continue;
    }
    out.push_back('"');
    for (char c : *elements[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string text_literal(const Param::IntElements& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i) out.push_back(',');
    out += std::to_string(elements[i]);
  }
  out.push_back('}');
  return out;
}

template <class Elements>
Param::Wire array_wire(Oid type, const Elements& elements) {
  if (const auto element = element_of(type)) {
    if (auto binary = binary_array(*element, elements)) return {std::move(binary), true};
  }
  return {text_literal(elements), false};
}

}  // namespace

Param::Wire Param::wire(Oid type) const {
  if (const auto* text = std::get_if<std::string>(&value_)) return {*text, false};
  if (const auto* elements = std::get_if<std::shared_ptr<const TextElements>>(&value_)) {
    return array_wire(type, **elements);
  }
  if (const auto* elements = std::get_if<std::shared_ptr<const IntElements>>(&value_)) {
    return array_wire(type, **elements);
  }
  return {};
}

}  // namespace wallet::pg
