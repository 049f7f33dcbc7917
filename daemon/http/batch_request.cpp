#include "daemon/http/batch_request.hpp"

#include <optional>
#include <string>

#include "daemon/http/json_body.hpp"
#include "daemon/http/requests.hpp"

namespace wallet::daemon {
namespace {

using Type = JsonScalar::Type;
using enum ErrorCode;

BatchItem decode_item(FlatObjectReader& reader, const Settings& settings) {
  if (reader.error()) return *reader.error();
  try {
    return decode_batch_operation(reader.take(), settings);
  } catch (const DomainError& e) {
    return e;
  }
}

// Reads {"mode": ..., "operations": [...]}: the top level and the array here, each operation
// by a FlatObjectReader, decoded as soon as its `}` is read.
class BatchEvents {
 public:
  BatchEvents(const Settings& settings, std::size_t max_operations) : settings_(settings), max_(max_operations) {}

  bool key(std::string& k) {
    if (reader_) return reader_->key(k);
    if (k != "mode" && k != "operations") {
      throw DomainError(kUnknownField, "unknown field '" + k.substr(0, 64) + "'; accepted: mode, operations");
    }
    if ((k == "mode" && seen_mode_) || (k == "operations" && seen_operations_)) {
      throw DomainError(kInvalidJson, "field '" + k + "' appears twice");
    }
    (k == "mode" ? seen_mode_ : seen_operations_) = true;
    key_ = std::move(k);
    return true;
  }

  bool value(JsonScalar v) {
    if (reader_) return reader_->value(std::move(v));
    if (depth_ == 0) throw_not_an_object(v);
    if (depth_ == 2) not_an_operation(v);
    if (key_ == "operations") {
      if (v.type != Type::kNull) throw DomainError(kInvalidInput, "operations must be an array of operation objects");
      seen_operations_ = false;  // null is absent
    } else if (v.type == Type::kString) {
      mode_ = parse_batch_mode(v.text);
    } else if (v.type != Type::kNull) {
      throw DomainError(kInvalidInput, "mode must be \"independent\" or \"atomic\"");
    }
    return true;
  }

  bool open(Type container) {
    if (reader_) return reader_->open(container);
    if (depth_ == 0) {
      if (container != Type::kObject) throw_not_an_object(JsonScalar{container});
    } else if (depth_ == 1) {
      if (key_ != "operations" || container != Type::kArray) {
        throw DomainError(kInvalidInput, key_ == "operations" ? "operations must be an array of operation objects"
                                                              : "mode must be \"independent\" or \"atomic\"");
      }
    } else {
      if (container != Type::kObject) not_an_operation(JsonScalar{container});
      if (items_.size() >= max_) {
        throw DomainError(kBatchTooLarge, "a batch holds at most " + std::to_string(max_) + " operations");
      }
      reader_.emplace();
      return true;
    }
    ++depth_;
    return true;
  }

  bool close() {
    if (reader_) {
      if (!reader_->close()) {
        items_.push_back(decode_item(*reader_, settings_));
        reader_.reset();
      }
      return true;
    }
    --depth_;
    return true;
  }

  BatchRequest finish() {
    if (!mode_) throw DomainError(kMissingField, "field 'mode' is required: \"independent\" or \"atomic\"");
    if (items_.empty()) {
      throw DomainError(seen_operations_ ? kInvalidInput : kMissingField,
                        "field 'operations' must hold 1 to " + std::to_string(max_) + " operations");
    }
    return {*mode_, std::move(items_)};
  }

 private:
  [[noreturn]] void not_an_operation(const JsonScalar& v) const {
    throw DomainError(kInvalidInput,
                      "operations[" + std::to_string(items_.size()) + "] must be an object, got " + json_type_name(v));
  }

  const Settings& settings_;
  const std::size_t max_;
  std::size_t depth_ = 0;  // 1: in the body object; 2: in the operations array
  std::string key_;
  bool seen_mode_ = false, seen_operations_ = false;
  std::optional<BatchMode> mode_;
  std::optional<FlatObjectReader> reader_;  // the operation being read
  std::vector<BatchItem> items_;
};

}  // namespace

BatchMode parse_batch_mode(std::string_view text) {
  if (text == "independent") return BatchMode::kIndependent;
  if (text == "atomic") return BatchMode::kAtomic;
  throw DomainError(kInvalidInput, "mode must be \"independent\" or \"atomic\", got '" + std::string(text.substr(0, 32)) + "'");
}

BatchRequest decode_batch(std::string_view body, const Settings& settings, std::size_t max_operations) {
  BatchEvents events(settings, max_operations);
  parse_events(body, events);
  return events.finish();
}

BatchOutcome apply_batch_items(std::vector<BatchItem>& items, BatchMode mode,
                               const std::function<std::vector<OperationResult>(std::vector<Operation>, BatchMode)>& apply) {
  BatchOutcome out{std::vector<OperationResult>(items.size()), std::vector<std::optional<OperationKind>>(items.size())};
  std::vector<Operation> ops;
  std::vector<std::size_t> positions;  // where each operation handed to `apply` stands in the batch
  std::optional<std::size_t> first_refused;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto* op = std::get_if<Operation>(&items[i])) {
      out.kinds[i] = op->kind;
      ops.push_back(std::move(*op));
      positions.push_back(i);
    } else {
      out.results[i] = OperationResult::refused(std::get<DomainError>(items[i]));
      if (!first_refused) first_refused = i;
    }
  }
  if (mode == BatchMode::kAtomic && first_refused) {
    const auto aborted = batch_aborted(*first_refused, *out.results[*first_refused].error);
    for (const auto i : positions) out.results[i] = OperationResult::refused(aborted);
    return out;
  }
  auto applied = apply(std::move(ops), mode);
  for (std::size_t k = 0; k < applied.size(); ++k) out.results[positions[k]] = std::move(applied[k]);
  return out;
}

BatchItem decode_batch_line(std::string_view line, const Settings& settings) {
  try {
    return decode_batch_operation(JsonBody::read(line), settings);
  } catch (const DomainError& e) {
    return e;
  }
}

}  // namespace wallet::daemon
