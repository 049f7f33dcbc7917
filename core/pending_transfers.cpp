#include "core/pending_transfers.hpp"

#include "core/errors.hpp"
#include "core/rows.hpp"

namespace wallet {
namespace {

const std::string kSelectTransfer = std::string("SELECT ") + rows::kPendingTransferColumns +
                                    ", s.user_id, d.user_id FROM pending_transfers p "
                                    "JOIN wallets s ON s.id = p.source_wallet_id "
                                    "JOIN wallets d ON d.id = p.destination_wallet_id WHERE p.id = $1";
constexpr int kOwnerColumns = rows::kPendingTransferColumnCount;
// Served by the partial index pending_transfers_due.
constexpr const char* kSelectDue =
    "SELECT id FROM pending_transfers WHERE state = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT $1";

}  // namespace

TransferView get_transfer(pg::Connection& conn, const std::string& transfer_id) {
  auto res = conn.exec(kSelectTransfer.c_str(), {transfer_id});
  if (res.rows() == 0) throw DomainError(ErrorCode::kTransferNotFound, "no transfer " + transfer_id);
  return {rows::pending_transfer(res, 0), res.str(0, kOwnerColumns), res.str(0, kOwnerColumns + 1)};
}

int expire_due_transfers(Ledger& ledger, pg::Connection& conn, int limit) {
  auto due = conn.exec(kSelectDue, {std::to_string(limit)});
  std::vector<Operation> ops;
  for (int r = 0; r < due.rows(); ++r) {
    Operation op;
    op.kind = OperationKind::kExpire;
    op.target = due.str(r, 0);
    ops.push_back(std::move(op));
  }
  int closed = 0;
  for (const auto& result : ledger.apply(ops)) closed += result.ok() ? 1 : 0;
  return closed;
}

}  // namespace wallet
