// Reading withdrawals: the durable rows that the withdrawal pool settles.
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// Throws DomainError(kWithdrawalNotFound).
Withdrawal get_withdrawal(pg::Connection& conn, const std::string& withdrawal_id);

}  // namespace wallet
