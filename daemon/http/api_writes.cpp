// Handlers of the routes that change the ledger.
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/wallet_controls.hpp"
#include "core/wallet_store.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/exchange.hpp"
#include "daemon/http/operation_answer.hpp"
#include "daemon/http/problem.hpp"
#include "daemon/http/requests.hpp"

namespace wallet::daemon {
namespace {

using Decoder = Operation (*)(std::string_view, const std::optional<std::string>&, const Settings&);

void create_wallet(Exchange& ex, ApiState& st) {
  ex.require_json_body();  // first: the library reads a form body as query parameters
  ex.allow_query({});
  const auto request = decode_create_wallet(ex.body, st.settings);
  if (ex.caller_user() && *ex.caller_user() != request.user_id) {
    throw DomainError(ErrorCode::kForbidden,
                      "this API key may create wallets for user '" + *ex.caller_user() + "' only");
  }
  auto conn = st.pool.acquire();
  const auto wallet =
      WalletStore(*conn, static_cast<int>(st.settings.database.max_retries)).create(request.user_id, request.currency, request.metadata);
  ex.res.set_header("Location", "/wallets/" + wallet.id);
  ex.send_json(201, to_json(wallet));
}

// The Idempotency-Key header, validated, when the request carried one.
std::optional<std::string> idempotency_header(const Exchange& ex) {
  if (auto h = ex.header("Idempotency-Key")) return parse_idempotency_header(*h);
  return std::nullopt;
}

// Every money-moving request: one operation, applied with those of concurrent requests by the
// group committer. A replay of an idempotency key answers what the first request got (as the
// rows it created or acted on stand now), marked as a replay.
void apply_operation(Exchange& ex, ApiState& st, Operation op) {
  act_as_caller(ex, op);
  const auto kind = op.kind;
  const std::string kind_name = operation_kind_name(kind);
  OperationResult result;
  try {
    result = st.writes.apply(std::move(op));
    if (result.error) throw *result.error;
  } catch (const DomainError& e) {
    st.metrics.operation(kind_name, std::string(e.name()));
    throw;
  }
  st.metrics.operation(kind_name, result.replayed ? "replayed" : "ok");
  if (result.replayed) ex.res.set_header("Idempotent-Replayed", "true");
  const auto answer = answer_of(kind, result);
  if (!answer.location.empty()) ex.res.set_header("Location", answer.location);
  ex.send_json_text(answer.status, answer.body);
}

// Charges, withdrawals and transfers: a JSON body names everything.
void move_money(Exchange& ex, ApiState& st, Decoder decode) {
  ex.require_json_body();  // first: the library reads a form body as query parameters
  ex.allow_query({});
  apply_operation(ex, st, decode(ex.body, idempotency_header(ex), st.settings));
}

// Capture, void and reversal name their row in the path; their body may be empty.
void act_on(Exchange& ex, ApiState& st, OperationKind kind) {
  if (!ex.body.empty()) ex.require_json_body();
  ex.allow_query({});
  const auto key = idempotency_header(ex);
  apply_operation(ex, st,
                  kind == OperationKind::kReversal
                      ? decode_reversal(ex.params.at(0), ex.body, key, st.settings)
                      : decode_transfer_action(kind, ex.params.at(0), ex.body, key, st.settings));
}

// Freeze and unfreeze: an operator's act on the wallet, with the reason it is recorded with.
void control_wallet(Exchange& ex, ApiState& st, bool freeze) {
  ex.require_json_body();
  ex.allow_query({});
  const auto id = parse_uuid(ex.params.at(0));
  const auto reason = decode_reason(ex.body);
  auto conn = st.pool.acquire();
  const int retries = static_cast<int>(st.settings.database.max_retries);
  const auto wallet =
      freeze ? freeze_wallet(*conn, retries, id, reason) : unfreeze_wallet(*conn, retries, id, reason);
  ex.send_json(200, to_json(wallet));
}

void patch_wallet(Exchange& ex, ApiState& st) {
  ex.require_json_body();
  ex.allow_query({});
  const auto id = parse_uuid(ex.params.at(0));
  const auto limit = decode_overdraft_limit(ex.body, st.settings);
  auto conn = st.pool.acquire();
  ex.send_json(200, to_json(set_overdraft_limit(*conn, static_cast<int>(st.settings.database.max_retries), id, limit)));
}

}  // namespace

OperationAnswer answer_of(OperationKind kind, const OperationResult& result) {
  if (result.withdrawal) return {202, "/withdrawals/" + result.withdrawal->id, json_text(*result.withdrawal)};
  if (result.transfer) {
    // Opening answers 201 Created; capture and void answer the transfer as it now stands.
    const bool opened = kind == OperationKind::kPendingTransfer;
    return {opened ? 201 : 200, opened ? "/transfers/" + result.transfer->id : "", json_text(*result.transfer)};
  }
  return {201, "", json_text(*result.transaction)};
}

void write_batch_result(JsonWriter& out, OperationKind kind, const OperationResult& result,
                        const std::string& request_id, const std::string& instance) {
  out.begin_object();
  if (result.error) {
    out.key("body").raw(json_text(problem_document(*result.error, request_id, instance)));
    out.key("status").number(error_info(result.error->code()).http_status);
  } else {
    const auto answer = answer_of(kind, result);
    out.key("body").raw(answer.body);
    if (result.replayed) out.key("replayed").boolean(true);
    out.key("status").number(answer.status);
  }
  out.end_object();
}

void act_as_caller(const Exchange& ex, Operation& op) {
  op.acting_user = ex.caller_user();
  op.key_scope = ex.key_scope();
  op.may_reverse_charges = !ex.caller || ex.caller->scope >= ApiScope::kCharge;
}

void add_write_routes(Router& router, ApiState& st) {
  router.add("POST", "/wallets", [&st](Exchange& ex) { create_wallet(ex, st); });
  // A charge moves money in from outside the ledger: only the operator's keys may, never a key
  // bound to a user (ApiKeyStore::create refuses to make one).
  router.add(
      "POST", "/charge", [&st](Exchange& ex) { move_money(ex, st, decode_charge); }, ApiScope::kCharge);
  router.add("POST", "/withdraw", [&st](Exchange& ex) { move_money(ex, st, decode_withdraw); });
  router.add("POST", "/transfers", [&st](Exchange& ex) { move_money(ex, st, decode_transfer); });
  router.add("POST", "/transfers/{id}/capture", [&st](Exchange& ex) { act_on(ex, st, OperationKind::kCapture); });
  router.add("POST", "/transfers/{id}/void", [&st](Exchange& ex) { act_on(ex, st, OperationKind::kVoid); });
  // Whether the caller may reverse a charge is known only from the original: the ledger checks
  // it (Operation::may_reverse_charges); a key bound to a user may not reverse at all.
  router.add("POST", "/transactions/{id}/reversals",
             [&st](Exchange& ex) { act_on(ex, st, OperationKind::kReversal); });
  router.add(
      "POST", "/wallets/{id}/freeze", [&st](Exchange& ex) { control_wallet(ex, st, true); }, ApiScope::kAdmin);
  router.add(
      "POST", "/wallets/{id}/unfreeze", [&st](Exchange& ex) { control_wallet(ex, st, false); }, ApiScope::kAdmin);
  router.add(
      "PATCH", "/wallets/{id}", [&st](Exchange& ex) { patch_wallet(ex, st); }, ApiScope::kAdmin);
}

}  // namespace wallet::daemon
