// Handlers of the routes that read wallets, balances, histories and withdrawals.
#include "core/balance_at.hpp"
#include "core/currency.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/json_codec.hpp"
#include "core/pending_transfers.hpp"
#include "core/wallet_store.hpp"
#include "core/withdrawals.hpp"
#include "daemon/http/api.hpp"
#include "daemon/http/exchange.hpp"

namespace wallet::daemon {
namespace {

std::string page_json(const HistoryPage& page) {
  JsonWriter out;
  out.begin_object().key("items").begin_array();
  for (const auto& item : page.items) write_json(out, item);
  out.end_array().key("next_cursor").optional_string(page.next_cursor);
  return out.end_object().take();
}

// ?limit, ?cursor and one ?metadata.KEY=VALUE of a history.
HistoryQuery history_query(const Exchange& ex) {
  const auto limit = ex.query("limit");
  return {limit ? parse_limit(*limit) : kDefaultPageLimit, ex.query("cursor"), ex.metadata_pair()};
}

// The user of /balance and /transactions: the path segment, or ?user_id= on the bare path.
std::string user_of(const Exchange& ex) {
  if (!ex.params.empty()) return parse_user_id(ex.params[0]);
  const auto user = ex.query("user_id");
  if (!user) throw DomainError(ErrorCode::kMissingField, "query parameter 'user_id' is required");
  return parse_user_id(*user);
}

// Where a balance is read: the primary when it fills the cache (a copy from a standby could be
// older than one an invalidation just removed, and would stay), else wherever reads may lag.
pg::Lease snapshot_connection(const Exchange& ex, ApiState& st) {
  return st.cache ? st.pool.acquire() : st.reads.connection_for(ex.key_scope());
}

// The wallet's JSON, cache-aside: PostgreSQL (and a pooled connection) only on a miss. Another
// user's wallet is not found for a caller bound to a user.
std::string wallet_json(Exchange& ex, ApiState& st, const std::string& id) {
  const auto load = [&] {
    auto conn = snapshot_connection(ex, st);
    return WalletStore(*conn, 1).snapshot(id);
  };
  auto json = st.cache ? st.cache->wallet_json(id, load) : json_text(load().wallet);
  if (ex.caller_user()) {
    ex.require_owner(nlohmann::json::parse(json).at("user_id").get<std::string>(), ErrorCode::kWalletNotFound,
                     "no wallet " + id);
  }
  return json;
}

// The wallet now (cache-aside), or with ?at= as it was at that instant (from PostgreSQL).
void get_wallet(Exchange& ex, ApiState& st) {
  ex.allow_query({"at"});
  const auto id = parse_uuid(ex.params[0]);
  const auto at = ex.query("at");
  if (!at) return ex.send_json_text(200, wallet_json(ex, st, id));
  const auto instant = parse_rfc3339(*at, ErrorCode::kInvalidAt);
  auto conn = st.reads.connection_for(ex.key_scope());
  const auto then = balance_at(*conn, id, instant);
  ex.require_owner(then.user_id, ErrorCode::kWalletNotFound, "no wallet " + id);
  ex.send_json(200, to_json(then));
}

void wallet_transactions(Exchange& ex, ApiState& st) {
  ex.allow_query({"limit", "cursor"}, true);
  const auto id = parse_uuid(ex.params[0]);
  const auto query = history_query(ex);
  if (ex.caller_user()) wallet_json(ex, st, id);  // not found unless the caller's
  auto conn = st.reads.connection_for(ex.key_scope());
  ex.send_json_text(200, page_json(wallet_history(*conn, id, query)));
}

void balance(Exchange& ex, ApiState& st) {
  if (ex.params.empty()) {
    ex.allow_query({"user_id", "currency"});
  } else {
    ex.allow_query({"currency"});
  }
  const auto user = user_of(ex);
  const auto currency = parse_currency(ex.query("currency").value_or(st.settings.ledger.default_currency));
  ex.require_owner(user, ErrorCode::kWalletNotFound, "user '" + user + "' has no " + currency + " wallet");
  const auto load = [&] {
    auto conn = snapshot_connection(ex, st);
    return WalletStore(*conn, 1).snapshot_by_user(user, currency);
  };
  const auto w =
      st.cache ? nlohmann::json::parse(st.cache->user_wallet_json(user, currency, load)) : to_json(load().wallet);
  ex.send_json(200, {{"user_id", w.at("user_id")},
                     {"wallet_id", w.at("id")},
                     {"currency", w.at("currency")},
                     {"total", w.at("balance")},
                     {"withdrawable", w.at("available")},
                     {"held", w.at("held")},
                     // Copies cached before migration 0013 lack these; no pending transfer
                     // existed then, and opening one bumps the wallet's version.
                     {"pending_out", w.value("pending_out", 0)},
                     {"pending_in", w.value("pending_in", 0)}});
}

void user_transactions(Exchange& ex, ApiState& st) {
  if (ex.params.empty()) {
    ex.allow_query({"user_id", "limit", "cursor"}, true);
  } else {
    ex.allow_query({"limit", "cursor"}, true);
  }
  const auto user = user_of(ex);
  const auto query = history_query(ex);
  ex.require_owner(user, ErrorCode::kWalletNotFound, "user '" + user + "' has no wallet");
  auto conn = st.reads.connection_for(ex.key_scope());
  ex.send_json_text(200, page_json(user_history(*conn, user, query)));
}

void get_withdrawal_route(Exchange& ex, ApiState& st) {
  ex.allow_query({});
  const auto id = parse_uuid(ex.params[0], "withdrawal id", ErrorCode::kInvalidWithdrawalId);
  auto conn = st.reads.connection_for(ex.key_scope());
  const auto withdrawal = get_withdrawal(*conn, id);
  if (ex.caller_user()) {
    ex.require_owner(WalletStore(*conn, 1).get(withdrawal.wallet_id).user_id, ErrorCode::kWithdrawalNotFound,
                     "no withdrawal with id " + id);
  }
  ex.send_json(200, to_json(withdrawal));
}

// Either party of a transfer may read it; to a key bound to another user it does not exist.
void get_transfer_route(Exchange& ex, ApiState& st) {
  ex.allow_query({});
  const auto id = parse_uuid(ex.params[0], "transfer id", ErrorCode::kInvalidTransferId);
  auto conn = st.reads.connection_for(ex.key_scope());
  const auto view = get_transfer(*conn, id);
  if (ex.caller_user() && *ex.caller_user() != view.receiver_user) {
    ex.require_owner(view.sender_user, ErrorCode::kTransferNotFound, "no transfer " + id);
  }
  ex.send_json(200, to_json(view.transfer));
}

}  // namespace

void add_read_routes(Router& router, ApiState& st) {
  router.add("GET", "/wallets/{id}", [&st](Exchange& ex) { get_wallet(ex, st); });
  router.add("GET", "/wallets/{id}/transactions", [&st](Exchange& ex) { wallet_transactions(ex, st); });
  router.add("GET", "/balance", [&st](Exchange& ex) { balance(ex, st); });
  router.add("GET", "/balance/{user_id}", [&st](Exchange& ex) { balance(ex, st); });
  router.add("GET", "/transactions", [&st](Exchange& ex) { user_transactions(ex, st); });
  router.add("GET", "/transactions/{user_id}", [&st](Exchange& ex) { user_transactions(ex, st); });
  router.add("GET", "/withdrawals/{id}", [&st](Exchange& ex) { get_withdrawal_route(ex, st); });
  router.add("GET", "/transfers/{id}", [&st](Exchange& ex) { get_transfer_route(ex, st); });
}

}  // namespace wallet::daemon
