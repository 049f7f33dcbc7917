#include "core/withdrawals.hpp"

#include "core/errors.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

const std::string kSelectWithdrawal =
    std::string("SELECT ") + rows::kWithdrawalColumns + " FROM withdrawals d WHERE d.id = $1";

const std::string kListWithdrawals = std::string("SELECT ") + rows::kWithdrawalColumns +
                                     " FROM withdrawals d WHERE ($1::text IS NULL OR d.status = $1) "
                                     "AND ($2::uuid IS NULL OR d.wallet_id = $2) ORDER BY d.created_at DESC, d.id DESC "
                                     "LIMIT $3";

}  // namespace

std::vector<Withdrawal> list_withdrawals(pg::Connection& conn, const WithdrawalFilter& filter) {
  std::optional<std::string> status;
  if (filter.status) status = std::string(name(*filter.status));
  auto res = conn.exec(kListWithdrawals.c_str(), {status, filter.wallet_id, std::to_string(filter.limit)});
  std::vector<Withdrawal> out;
  for (int r = 0; r < res.rows(); ++r) out.push_back(rows::withdrawal(res, r));
  return out;
}

WithdrawalStatus parse_withdrawal_status(std::string_view text) {
  if (const auto status = enum_named<WithdrawalStatus>(text)) return *status;
  throw DomainError(ErrorCode::kInvalidInput,
                    "status must be pending, processing, needs_review, completed or failed, got '" +
                                                  std::string(text.substr(0, 40)) + "'");
}

Withdrawal get_withdrawal(pg::Connection& conn, const std::string& withdrawal_id) {
  auto res = conn.exec(kSelectWithdrawal.c_str(), {withdrawal_id});
  if (res.rows() == 0) {
    throw DomainError(ErrorCode::kWithdrawalNotFound, "no withdrawal with id " + withdrawal_id);
  }
  return rows::withdrawal(res, 0);
}

}  // namespace wallet
