// `POST /batches` bodies and `walletctl batch` files: many operations, each decoded as its single
// route's body is (requests.hpp), read from the parser's events one operation at a time, so a
// batch costs its operations and no JSON tree.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/ledger.hpp"
#include "core/operations.hpp"

namespace wallet::daemon {

/// One operation of a batch as decoded: ready for the ledger, or refused with its own problem
/// (a field that is wrong refuses its operation, not the batch).
using BatchItem = std::variant<Operation, DomainError>;

struct BatchRequest {
  BatchMode mode = BatchMode::kIndependent;  // independent or atomic
  std::vector<BatchItem> items;              // in the order sent
};

/// `{"mode": "independent" | "atomic", "operations": [{"op": ..., ...}, ...]}` with 1 to
/// max_operations operations. Throws DomainError for what refuses the whole batch: malformed
/// JSON, a body or an element that is not an object, an unknown top-level field, a missing or
/// wrong mode, no operations, or more than max_operations (kBatchTooLarge, as soon as the one
/// past the limit begins).
BatchRequest decode_batch(std::string_view body, const Settings& settings, std::size_t max_operations);

/// One line of a `walletctl batch` file: an operation object as in a batch body.
BatchItem decode_batch_line(std::string_view line, const Settings& settings);

/// What a batch answers: one result per item, in order, and each item's kind (none for one
/// refused while decoded).
struct BatchOutcome {
  std::vector<OperationResult> results;
  std::vector<std::optional<OperationKind>> kinds;
};

/// Applies the decoded operations of `items` (moved out) with `apply` (the group committer, or
/// a Ledger). An item refused while decoded keeps its error; an atomic batch holding one
/// applies nothing, and its other items answer kBatchAborted.
BatchOutcome apply_batch_items(std::vector<BatchItem>& items, BatchMode mode,
                               const std::function<std::vector<OperationResult>(std::vector<Operation>, BatchMode)>& apply);

/// "independent" or "atomic"; throws DomainError(kInvalidInput) for anything else.
BatchMode parse_batch_mode(std::string_view text);

}  // namespace wallet::daemon
