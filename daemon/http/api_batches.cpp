// POST /batches: many money-moving operations in one request and one database transaction,
// each answered as its single route would answer it.
#include "core/json_codec.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/batch_request.hpp"
#include "daemon/http/exchange.hpp"
#include "daemon/http/operation_answer.hpp"
#include "daemon/http/problem.hpp"

namespace wallet::daemon {
namespace {

// A charge brings money in from outside: as on POST /charge, only a key with the charge scope.
std::optional<DomainError> refused_for_caller(const Exchange& ex, const Operation& op) {
  if (op.kind != OperationKind::kCharge || !ex.caller || ex.caller->scope >= ApiScope::kCharge) return std::nullopt;
  return DomainError(ErrorCode::kForbidden, std::string("this API key's scope is ") + api_scope_name(ex.caller->scope) +
                                                "; a charge needs charge");
}

// An atomic batch with an operation refused before the ledger saw it applies nothing.
std::vector<OperationResult> aborted_before_ledger(const std::vector<BatchItem>& items) {
  std::size_t first = 0;
  while (std::holds_alternative<Operation>(items[first])) ++first;
  const auto because = "not applied: operation " + std::to_string(first) + " of this atomic batch was refused (" +
                       std::string(std::get<DomainError>(items[first]).name()) + ")";
  std::vector<OperationResult> out;
  for (const auto& item : items) {
    const auto* error = std::get_if<DomainError>(&item);
    out.push_back(OperationResult::refused(error ? *error : DomainError(ErrorCode::kBatchAborted, because)));
  }
  return out;
}

void post_batch(Exchange& ex, ApiState& st) {
  ex.require_json_body();
  ex.allow_query({});
  auto request = decode_batch(ex.body, st.settings, static_cast<std::size_t>(st.settings.http.max_batch_operations));
  st.auth.count_operations(ex, request.items.size());
  std::vector<Operation> ops;
  std::vector<std::size_t> positions;  // where each operation sent to the ledger stands in the batch
  bool any_refused = false;
  for (std::size_t i = 0; i < request.items.size(); ++i) {
    auto& item = request.items[i];
    if (auto* op = std::get_if<Operation>(&item)) {
      act_as_caller(ex, *op);
      if (auto refused = refused_for_caller(ex, *op)) item = *refused;
    }
    if (auto* op = std::get_if<Operation>(&item)) {
      ops.push_back(std::move(*op));
      positions.push_back(i);
    } else {
      any_refused = true;
    }
  }
  const bool atomic = request.mode == BatchMode::kAtomic;
  std::vector<OperationResult> results(request.items.size());
  std::vector<OperationKind> kinds(request.items.size(), OperationKind::kCharge);
  for (std::size_t k = 0; k < ops.size(); ++k) kinds[positions[k]] = ops[k].kind;
  if (atomic && any_refused) {
    results = aborted_before_ledger(request.items);
  } else {
    for (std::size_t i = 0; i < request.items.size(); ++i) {
      if (auto* error = std::get_if<DomainError>(&request.items[i])) results[i].error = *error;
    }
    auto applied = st.writes.apply_batch(std::move(ops), request.mode);
    for (std::size_t k = 0; k < applied.size(); ++k) results[positions[k]] = std::move(applied[k]);
  }

  nlohmann::json answers = nlohmann::json::array();
  std::size_t succeeded = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const bool decoded = !std::holds_alternative<DomainError>(request.items[i]);
    const std::string kind = decoded ? operation_kind_name(kinds[i]) : "invalid";
    if (r.error) {
      st.metrics.operation(kind, std::string(r.error->name()));
      answers.push_back({{"status", error_info(r.error->code()).http_status},
                         {"body", problem_document(*r.error, ex.request_id, ex.req.path)}});
      continue;
    }
    ++succeeded;
    st.metrics.operation(kind, r.replayed ? "replayed" : "ok");
    auto answer = answer_of(kinds[i], r);
    nlohmann::json entry = {{"status", answer.status}, {"body", std::move(answer.body)}};
    if (r.replayed) entry["replayed"] = true;
    answers.push_back(std::move(entry));
  }
  const nlohmann::json document = {{"mode", atomic ? "atomic" : "independent"},
                                   {"succeeded", succeeded},
                                   {"refused", results.size() - succeeded},
                                   {"results", std::move(answers)}};
  ex.res.status = 200;
  ex.res.set_content(json_text(document), "application/json");
}

}  // namespace

void add_batch_routes(Router& router, ApiState& st) {
  // Writes only; a charge inside needs the charge scope, checked per operation.
  router.add_large_body(
      "POST", "/batches", [&st](Exchange& ex) { post_batch(ex, st); },
      static_cast<std::size_t>(st.settings.http.max_batch_body_bytes));
}

}  // namespace wallet::daemon
