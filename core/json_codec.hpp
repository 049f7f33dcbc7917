// JSON forms of the model objects: the one encoding shared by the CLI, the HTTP API and
// outbox events.
#pragma once

#include <nlohmann/json.hpp>

#include "core/balance_at.hpp"
#include "core/model.hpp"

namespace wallet {

nlohmann::json to_json(const Wallet& w);
nlohmann::json to_json(const Transaction& t);
nlohmann::json to_json(const Withdrawal& w);
nlohmann::json to_json(const PendingTransfer& t);
nlohmann::json to_json(const HistoryItem& item);
nlohmann::json to_json(const BalanceAt& b);

}  // namespace wallet
