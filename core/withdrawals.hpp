// Reading withdrawals: the durable rows that the withdrawal pool settles.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// Throws DomainError(kWithdrawalNotFound).
Withdrawal get_withdrawal(pg::Connection& conn, const std::string& withdrawal_id);

struct WithdrawalFilter {
  std::optional<WithdrawalStatus> status;
  std::optional<std::string> wallet_id;  // a validated UUID
  int limit = 50;
};

/// Withdrawals matching the filter, newest first.
std::vector<Withdrawal> list_withdrawals(pg::Connection& conn, const WithdrawalFilter& filter);

/// Validates a status name. Throws DomainError(kInvalidInput).
WithdrawalStatus parse_withdrawal_status(std::string_view text);

}  // namespace wallet
