// What a money-moving route answers for an applied operation (status, Location, body): one
// rule for the single routes and for each result of a batch.
#pragma once

#include <string>

#include "core/json_writer.hpp"
#include "core/operations.hpp"

namespace wallet::daemon {

struct OperationAnswer {
  int status = 201;
  std::string location;  // empty: none
  std::string body;  // JSON text
};

/// A withdrawal answers 202 and its withdrawal; opening a pending transfer 201 and the transfer;
/// its capture and void 200 and the transfer as it now stands; everything else 201 and the
/// transaction. The result must be ok().
OperationAnswer answer_of(OperationKind kind, const OperationResult& result);

/// One result of a batch: {body, replayed?, status}: the answer, or the problem document (with
/// request_id and instance) of a refused operation. `kind` is needed only when it succeeded.
void write_batch_result(JsonWriter& out, OperationKind kind, const OperationResult& result,
                        const std::string& request_id, const std::string& instance);

}  // namespace wallet::daemon
