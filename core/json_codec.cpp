#include "core/json_codec.hpp"

namespace wallet {
namespace {

// A transaction's members without the braces: a history line adds its own after them.
void write_members(JsonWriter& out, const Transaction& t) {
  out.key("amount").number(t.amount.minor());
  out.key("created_at").string(t.created_at);
  out.key("currency").string(t.currency);
  out.key("destination_wallet_id").string(t.destination_wallet_id);
  out.key("id").string(t.id);
  out.key("idempotency_key").optional_string(t.idempotency_key);
  out.key("kind").string(name(t.kind));
  out.key("metadata").metadata(t.metadata);
  out.key("pending_transfer_id").optional_string(t.pending_transfer_id);
  out.key("reason").optional_string(t.reason);
  out.key("reference").optional_string(t.reference);
  out.key("release_at").optional_string(t.release_at);
  out.key("reversed_amount").number(t.reversed_amount.minor());
  out.key("reverses").optional_string(t.reverses);
  out.key("source_wallet_id").string(t.source_wallet_id);
  out.key("status").string(name(t.status));
}

}  // namespace

// Members in name order, as the trees these replaced (std::map objects) wrote them.
void write_json(JsonWriter& out, const Wallet& w) {
  out.begin_object();
  out.key("available").number(w.available().minor());
  out.key("balance").number(w.balance.minor());
  out.key("created_at").string(w.created_at);
  out.key("currency").string(w.currency);
  out.key("frozen").boolean(w.frozen_at.has_value());
  out.key("frozen_at").optional_string(w.frozen_at);
  out.key("frozen_reason").optional_string(w.frozen_reason);
  out.key("held").number(w.held.minor());
  out.key("id").string(w.id);
  out.key("metadata").metadata(w.metadata);
  out.key("overdraft_limit").number(w.overdraft_limit.minor());
  out.key("pending_in").number(w.pending_in.minor());
  out.key("pending_out").number(w.pending_out.minor());
  out.key("updated_at").string(w.updated_at);
  out.key("user_id").string(w.user_id);
  out.end_object();
}

void write_json(JsonWriter& out, const Transaction& t) {
  out.begin_object();
  write_members(out, t);
  out.end_object();
}

void write_json(JsonWriter& out, const PendingTransfer& t) {
  out.begin_object();
  out.key("amount").number(t.amount.minor());
  out.key("capture_transaction_id").optional_string(t.capture_transaction_id);
  out.key("captured_amount").number(t.captured_amount.minor());
  out.key("close_metadata").metadata(t.close_metadata);
  out.key("closed_at").optional_string(t.closed_at);
  out.key("created_at").string(t.created_at);
  out.key("currency").string(t.currency);
  out.key("destination_wallet_id").string(t.destination_wallet_id);
  out.key("expires_at").string(t.expires_at);
  out.key("id").string(t.id);
  out.key("idempotency_key").optional_string(t.idempotency_key);
  out.key("metadata").metadata(t.metadata);
  out.key("pending_amount").number(t.pending_amount().minor());
  out.key("reference").optional_string(t.reference);
  out.key("released_amount").number(t.released_amount.minor());
  out.key("source_wallet_id").string(t.source_wallet_id);
  out.key("state").string(name(t.state));
  out.key("updated_at").string(t.updated_at);
  out.end_object();
}

void write_json(JsonWriter& out, const Withdrawal& w) {
  out.begin_object();
  out.key("amount").number(w.amount.minor());
  out.key("attempts").number(w.attempts);
  out.key("created_at").string(w.created_at);
  out.key("currency").string(w.currency);
  out.key("failure_reason").optional_string(w.failure_reason);
  out.key("id").string(w.id);
  out.key("metadata").metadata(w.metadata);
  out.key("possibly_paid").boolean(w.possibly_paid);
  out.key("resolution");
  if (w.resolution) {
    out.string(name(*w.resolution));
  } else {
    out.null();
  }
  out.key("resolved_at").optional_string(w.resolved_at);
  out.key("status").string(name(w.status));
  out.key("transaction_id").string(w.transaction_id);
  out.key("updated_at").string(w.updated_at);
  out.key("wallet_id").string(w.wallet_id);
  out.end_object();
}

void write_json(JsonWriter& out, const HistoryItem& item) {
  out.begin_object();
  write_members(out, item.transaction);
  out.key("balance_after").number(item.balance_after.minor());
  out.key("entry_amount").number(item.entry_amount.minor());
  out.key("wallet_id").string(item.wallet_id);
  out.end_object();
}

void write_json(JsonWriter& out, const BalanceAt& b) {
  out.begin_object();
  out.key("at").string(b.at);
  out.key("available").number(b.available().minor());
  out.key("balance").number(b.balance.minor());
  out.key("currency").string(b.currency);
  out.key("held").number(b.held.minor());
  out.key("id").string(b.wallet_id);
  out.key("pending_in").number(b.pending_in.minor());
  out.key("pending_out").number(b.pending_out.minor());
  out.key("user_id").string(b.user_id);
  out.end_object();
}

}  // namespace wallet
