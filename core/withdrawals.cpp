#include "core/withdrawals.hpp"

#include "core/errors.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

const std::string kSelectWithdrawal =
    std::string("SELECT ") + rows::kWithdrawalColumns + " FROM withdrawals d WHERE d.id = $1";

}  // namespace

Withdrawal get_withdrawal(pg::Connection& conn, const std::string& withdrawal_id) {
  auto res = conn.exec(kSelectWithdrawal.c_str(), {withdrawal_id});
  if (res.rows() == 0) {
    throw DomainError(ErrorCode::kWithdrawalNotFound, "no withdrawal with id " + withdrawal_id);
  }
  return rows::withdrawal(res, 0);
}

}  // namespace wallet
