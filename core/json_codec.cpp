#include "core/json_codec.hpp"

namespace wallet {
namespace {

nlohmann::json optional_text(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const Wallet& w) {
  return {{"id", w.id},
          {"user_id", w.user_id},
          {"currency", w.currency},
          {"balance", w.balance.minor()},
          {"available", w.available().minor()},
          {"held", w.held.minor()},
          {"pending_out", w.pending_out.minor()},
          {"pending_in", w.pending_in.minor()},
          {"metadata", w.metadata},
          {"frozen", w.frozen_at.has_value()},
          {"frozen_at", optional_text(w.frozen_at)},
          {"frozen_reason", optional_text(w.frozen_reason)},
          {"overdraft_limit", w.overdraft_limit.minor()},
          {"created_at", w.created_at},
          {"updated_at", w.updated_at}};
}

nlohmann::json to_json(const Transaction& t) {
  return {{"id", t.id},
          {"kind", t.kind},
          {"status", t.status},
          {"amount", t.amount.minor()},
          {"currency", t.currency},
          {"source_wallet_id", t.source_wallet_id},
          {"destination_wallet_id", t.destination_wallet_id},
          {"idempotency_key", optional_text(t.idempotency_key)},
          {"reference", optional_text(t.reference)},
          {"release_at", optional_text(t.release_at)},
          {"reversed_amount", t.reversed_amount.minor()},
          {"reverses", optional_text(t.reverses)},
          {"reason", optional_text(t.reason)},
          {"pending_transfer_id", optional_text(t.pending_transfer_id)},
          {"metadata", t.metadata},
          {"created_at", t.created_at}};
}

nlohmann::json to_json(const PendingTransfer& t) {
  return {{"id", t.id},
          {"state", t.state},
          {"amount", t.amount.minor()},
          {"pending_amount", t.pending_amount().minor()},
          {"captured_amount", t.captured_amount.minor()},
          {"released_amount", t.released_amount.minor()},
          {"currency", t.currency},
          {"source_wallet_id", t.source_wallet_id},
          {"destination_wallet_id", t.destination_wallet_id},
          {"capture_transaction_id", optional_text(t.capture_transaction_id)},
          {"idempotency_key", optional_text(t.idempotency_key)},
          {"reference", optional_text(t.reference)},
          {"expires_at", t.expires_at},
          {"metadata", t.metadata},
          {"close_metadata", t.close_metadata},
          {"created_at", t.created_at},
          {"updated_at", t.updated_at},
          {"closed_at", optional_text(t.closed_at)}};
}

nlohmann::json to_json(const Withdrawal& w) {
  return {{"id", w.id},
          {"wallet_id", w.wallet_id},
          {"amount", w.amount.minor()},
          {"currency", w.currency},
          {"status", w.status},
          {"attempts", w.attempts},
          {"failure_reason", optional_text(w.failure_reason)},
          {"transaction_id", w.transaction_id},
          {"possibly_paid", w.possibly_paid},
          {"resolution", w.resolution ? nlohmann::json(*w.resolution) : nlohmann::json(nullptr)},
          {"resolved_at", optional_text(w.resolved_at)},
          {"metadata", w.metadata},
          {"created_at", w.created_at},
          {"updated_at", w.updated_at}};
}

nlohmann::json to_json(const HistoryItem& item) {
  auto j = to_json(item.transaction);
  j["wallet_id"] = item.wallet_id;
  j["entry_amount"] = item.entry_amount.minor();
  j["balance_after"] = item.balance_after.minor();
  return j;
}

nlohmann::json to_json(const BalanceAt& b) {
  return {{"id", b.wallet_id},
          {"user_id", b.user_id},
          {"currency", b.currency},
          {"at", b.at},
          {"balance", b.balance.minor()},
          {"available", b.available().minor()},
          {"held", b.held.minor()},
          {"pending_out", b.pending_out.minor()},
          {"pending_in", b.pending_in.minor()}};
}

}  // namespace wallet
