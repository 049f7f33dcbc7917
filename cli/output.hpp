// Printing results: aligned text for people (amounts also in major units) or the API's JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "core/api_keys.hpp"
#include "core/audit.hpp"
#include "core/balance_at.hpp"
#include "core/history.hpp"
#include "core/migrations.hpp"
#include "core/model.hpp"
#include "core/outbox.hpp"

namespace wallet::cli {

void print_json(const nlohmann::json& j);
void print_wallet(Context& ctx, const Wallet& w);
void print_balance_at(Context& ctx, const BalanceAt& b);
void print_transaction(Context& ctx, const Transaction& t);
void print_transfer(Context& ctx, const PendingTransfer& t);
void print_withdrawal(Context& ctx, const Withdrawal& w);
void print_withdrawals(Context& ctx, const std::vector<Withdrawal>& list);
void print_outbox_status(Context& ctx, const OutboxStatus& status);
void print_history(Context& ctx, const HistoryPage& page);
void print_audit(Context& ctx, const AuditReport& report);
void print_migrations(Context& ctx, const std::vector<MigrationStatus>& status);
void print_settings(Context& ctx, const LoadedSettings& loaded);
/// The secret is printed this once; stderr says so.
void print_new_api_key(Context& ctx, const NewApiKey& made);
void print_api_keys(Context& ctx, const std::vector<ApiKey>& keys);

}  // namespace wallet::cli
