// Handlers of the routes that change the ledger.
#include "core/json_codec.hpp"
#include "core/wallet_store.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/exchange.hpp"
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
      WalletStore(*conn, static_cast<int>(st.settings.database.max_retries)).create(request.user_id, request.currency);
  ex.res.set_header("Location", "/wallets/" + wallet.id);
  ex.send_json(201, to_json(wallet));
}

// Charges, withdrawals and transfers: one operation, applied with those of concurrent requests
// by the group committer. A replay of an idempotency key answers what the first request got,
// marked as a replay.
void move_money(Exchange& ex, ApiState& st, Decoder decode) {
  ex.require_json_body();  // first: the library reads a form body as query parameters
  ex.allow_query({});
  std::optional<std::string> header_key;
  if (auto h = ex.header("Idempotency-Key")) header_key = parse_idempotency_header(*h);
  auto op = decode(ex.body, header_key, st.settings);
  op.acting_user = ex.caller_user();
  op.key_scope = ex.key_scope();
  const std::string kind = operation_kind_name(op.kind);
  OperationResult result;
  try {
    result = st.writes.apply(std::move(op));
    if (result.error) throw *result.error;
  } catch (const DomainError& e) {
    st.metrics.operation(kind, std::string(e.name()));
    throw;
  }
  st.metrics.operation(kind, result.replayed ? "replayed" : "ok");
  if (result.replayed) ex.res.set_header("Idempotent-Replayed", "true");
  if (result.withdrawal) {
    ex.res.set_header("Location", "/withdrawals/" + result.withdrawal->id);
    ex.send_json(202, to_json(*result.withdrawal));
  } else {
    ex.send_json(201, to_json(*result.transaction));
  }
}

}  // namespace

void add_write_routes(Router& router, ApiState& st) {
  router.add("POST", "/wallets", [&st](Exchange& ex) { create_wallet(ex, st); });
  // A charge moves money in from outside the ledger: only the operator's keys may, never a key
  // bound to a user (ApiKeyStore::create refuses to make one).
  router.add(
      "POST", "/charge", [&st](Exchange& ex) { move_money(ex, st, decode_charge); }, ApiScope::kCharge);
  router.add("POST", "/withdraw", [&st](Exchange& ex) { move_money(ex, st, decode_withdraw); });
  router.add("POST", "/transfers", [&st](Exchange& ex) { move_money(ex, st, decode_transfer); });
}

}  // namespace wallet::daemon
