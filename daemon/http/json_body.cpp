#include "daemon/http/json_body.hpp"

#include <algorithm>

namespace wallet::daemon {
namespace {

using Type = JsonScalar::Type;

[[noreturn]] void invalid_json(const std::string& detail) { throw DomainError(ErrorCode::kInvalidJson, detail); }

// The name JSON gives the type, as metadata's messages always said it ("number", "array").
const char* plain_type_name(const JsonScalar& v) {
  switch (v.type) {
    case Type::kNull: return "null";
    case Type::kBoolean: return "boolean";
    case Type::kInteger:
    case Type::kUnsigned:
    case Type::kFloat: return "number";
    case Type::kString: return "string";
    case Type::kObject: return "object";
    case Type::kArray: return "array";
  }
  return "value";
}

std::string clipped(std::string_view text) { return std::string(text.substr(0, 64)); }

// A single request's body: one object, refused whole at its first structural error.
class SingleObject {
 public:
  bool key(std::string& k) { return checked(reader_.key(k)); }
  bool value(JsonScalar v) {
    if (!started_) throw_not_an_object(v);
    return checked(reader_.value(std::move(v)));
  }
  bool open(Type container) {
    if (!started_) {
      if (container != Type::kObject) throw_not_an_object(JsonScalar{container});
      started_ = true;
      return true;
    }
    return checked(reader_.open(container));
  }
  bool close() {
    checked(reader_.close());
    return true;  // also at the object's end: false would stop the parser before it checks for trailing text
  }
  JsonBody take() { return reader_.take(); }

 private:
  bool checked(bool open) {
    if (reader_.error()) throw *reader_.error();
    return open;
  }
  FlatObjectReader reader_;
  bool started_ = false;
};

}  // namespace

void throw_malformed(std::string_view parser_message) {
  // nlohmann's message names the position and what it expected, after an internal tag.
  std::string why(parser_message);
  if (const auto tag = why.find("] "); tag != std::string::npos) why = why.substr(tag + 2);
  invalid_json("body is not valid JSON: " + why.substr(0, 200));
}

void throw_not_an_object(const JsonScalar& v) {
  invalid_json("body must be a JSON object, got " + json_type_name(v));
}

std::string json_type_name(const JsonScalar& v) {
  switch (v.type) {
    case Type::kFloat: return "a fractional number";
    case Type::kInteger:
    case Type::kUnsigned: return "an integer";
    case Type::kObject: return "an object";
    case Type::kArray: return "an array";
    default: return std::string("a ") + plain_type_name(v);
  }
}

// ---- FlatObjectReader ----

void FlatObjectReader::fail(ErrorCode code, std::string detail) {
  if (!error_) error_.emplace(code, std::move(detail));
}

bool FlatObjectReader::in_metadata() const {
  return depth_ == 1 && !body_.fields_.empty() && body_.fields_.back().first == kMetadataField &&
         body_.fields_.back().second.type == Type::kObject;
}

// Duplicate keys are refused: two parsers that keep different copies of a key is how request
// smuggling starts. Lists are searched linearly; they are bounded (kMaxFieldsPerObject, and
// metadata's pairs kept only up to one past its limit).
bool FlatObjectReader::key(std::string& name) {
  if (error_) return true;
  if (depth_ == 0) {
    auto& fields = body_.fields_;
    if (fields.size() >= kMaxFieldsPerObject) {
      fail(ErrorCode::kUnknownField, "more than " + std::to_string(kMaxFieldsPerObject) + " fields");
    } else if (std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; })) {
      fail(ErrorCode::kInvalidJson, "field '" + clipped(name) + "' appears twice");
    }
  } else if (in_metadata()) {
    auto& pairs = body_.metadata_pairs_;
    if (std::any_of(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == name; })) {
      fail(ErrorCode::kInvalidMetadata, "metadata: key '" + clipped(name) + "' appears twice");
    }
  }
  key_ = std::move(name);
  return true;
}

bool FlatObjectReader::value(JsonScalar v) {
  if (error_) return true;
  if (depth_ == 0) {
    body_.fields_.emplace_back(std::move(key_), std::move(v));
  } else if (in_metadata()) {
    if (++body_.metadata_keys_ <= kMaxMetadataKeys + 1) body_.metadata_pairs_.emplace_back(std::move(key_), std::move(v));
  }
  return true;  // a value inside another field's container is dropped: the field is refused anyway
}

bool FlatObjectReader::open(Type container) {
  if (!error_) {
    if (depth_ == 0) {
      body_.fields_.emplace_back(std::move(key_), JsonScalar{container});
    } else if (in_metadata()) {
      fail(ErrorCode::kInvalidMetadata, "metadata: values must be strings");
    } else {
      fail(ErrorCode::kInvalidJson, "fields hold single values, not nested objects or arrays");
    }
  }
  ++depth_;
  return true;
}

bool FlatObjectReader::close() {
  if (depth_ == 0) return false;
  --depth_;
  return true;
}

// ---- JsonBody ----

JsonBody JsonBody::read(std::string_view text) {
  SingleObject handler;
  parse_events(text, handler);
  return handler.take();
}

JsonBody JsonBody::parse(std::string_view text, std::span<const std::string_view> allowed) {
  auto body = read(text);
  body.allow_only(allowed);
  return body;
}

void JsonBody::allow_only(std::span<const std::string_view> allowed, std::span<const std::string_view> also) const {
  const auto known = [](std::span<const std::string_view> names, const std::string& key) {
    return std::find(names.begin(), names.end(), key) != names.end();
  };
  for (const auto& [key, value] : fields_) {
    if (known(allowed, key) || known(also, key)) continue;
    std::string names;
    for (auto list : {also, allowed}) {
      for (auto a : list) names += (names.empty() ? "" : ", ") + std::string(a);
    }
    throw DomainError(ErrorCode::kUnknownField, "unknown field '" + clipped(key) + "'; accepted: " + names);
  }
}

const JsonScalar* JsonBody::find(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (key == name) return value.type == Type::kNull ? nullptr : &value;
  }
  return nullptr;
}

Metadata JsonBody::metadata() const {
  const auto* v = find(kMetadataField);
  if (!v) return {};
  const auto invalid = [](const std::string& detail) {
    throw DomainError(ErrorCode::kInvalidMetadata, "metadata: " + detail);
  };
  if (v->type != Type::kObject) invalid(std::string("must be a JSON object of string values, got ") + plain_type_name(*v));
  if (metadata_keys_ > kMaxMetadataKeys) invalid("at most 16 keys, got " + std::to_string(metadata_keys_));
  Metadata out;
  for (const auto& [key, value] : metadata_pairs_) {
    if (value.type != Type::kString) {
      invalid("value of '" + clipped(key) + "' must be a string, got " + plain_type_name(value));
    }
    out.emplace(key, value.text);
  }
  check_metadata(out);  // the keys, the values and the total
  return out;
}

bool JsonBody::has(std::string_view name) const { return find(name) != nullptr; }

void JsonBody::require(std::string_view name) const {
  if (!has(name)) throw DomainError(ErrorCode::kMissingField, "field '" + std::string(name) + "' is required");
}

std::optional<std::string> JsonBody::string(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (v->type != Type::kString) throw DomainError(code, std::string(name) + " must be a string, got " + json_type_name(*v));
  return v->text;
}

std::optional<bool> JsonBody::boolean(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (v->type != Type::kBoolean) throw DomainError(code, std::string(name) + " must be true or false");
  return v->boolean;
}

std::optional<std::int64_t> JsonBody::integer(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  switch (v->type) {
    case Type::kUnsigned:
      if (v->unsigned_integer > static_cast<std::uint64_t>(INT64_MAX)) {
        throw DomainError(code, std::string(name) + " is beyond the 64-bit range");
      }
      return static_cast<std::int64_t>(v->unsigned_integer);
    case Type::kInteger: return v->integer;
    case Type::kFloat:
      throw DomainError(code,
                        std::string(name) + " must be an integer (minor units), got a fractional or out-of-range number");
    default: throw DomainError(code, std::string(name) + " must be an integer, got " + json_type_name(*v));
  }
}

std::optional<std::string> JsonBody::string_or_integer(std::string_view name, ErrorCode code) const {
  const auto* v = find(name);
  if (!v) return std::nullopt;
  if (v->type == Type::kUnsigned) return std::to_string(v->unsigned_integer);
  if (v->type == Type::kInteger) return std::to_string(v->integer);
  if (v->type == Type::kString) return v->text;
  throw DomainError(code, std::string(name) + " must be a string or an integer, got " + json_type_name(*v));
}

}  // namespace wallet::daemon
