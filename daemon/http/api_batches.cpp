// POST /batches: many money-moving operations in one request and one database transaction,
// each answered as its single route would answer it.
#include <algorithm>

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

void post_batch(Exchange& ex, ApiState& st) {
  ex.require_json_body();
  ex.allow_query({});
  auto request = decode_batch(ex.body, st.settings, static_cast<std::size_t>(st.settings.http.max_batch_operations));
  st.auth.count_operations(ex, request.items.size());
  for (auto& item : request.items) {
    if (auto* op = std::get_if<Operation>(&item)) {
      act_as_caller(ex, *op);
      if (auto refused = refused_for_caller(ex, *op)) item = *refused;
    }
  }
  const bool atomic = request.mode == BatchMode::kAtomic;
  const auto outcome = apply_batch_items(request.items, request.mode, [&st](std::vector<Operation> ops, BatchMode mode) {
    return st.writes.apply_batch(std::move(ops), mode);
  });
  const auto& results = outcome.results;
  const auto succeeded = std::count_if(results.begin(), results.end(), [](const auto& r) { return r.ok(); });
  // Written as text, not as a tree: a batch of 1,000 would build and free a tree of 1,000 answers.
  JsonWriter document;
  document.begin_object();
  document.key("mode").string(atomic ? "atomic" : "independent");
  document.key("refused").number(static_cast<std::int64_t>(results.size()) - succeeded);
  document.key("results").begin_array();
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const auto kind = outcome.kinds[i].value_or(OperationKind::kCharge);  // none: refused before the ledger
    st.metrics.operation(outcome.kinds[i] ? operation_kind_name(kind) : "invalid",
                         r.error ? std::string(r.error->name()) : r.replayed ? "replayed" : "ok");
    write_batch_result(document, kind, r, ex.request_id, ex.req.path);
  }
  document.end_array();
  document.key("succeeded").number(succeeded);
  document.end_object();
  ex.send_json_text(200, document.take());
}

}  // namespace

void add_batch_routes(Router& router, ApiState& st) {
  // Writes only; a charge inside needs the charge scope, checked per operation.
  router.add_large_body(
      "POST", "/batches", [&st](Exchange& ex) { post_batch(ex, st); },
      static_cast<std::size_t>(st.settings.http.max_batch_body_bytes));
}

}  // namespace wallet::daemon
