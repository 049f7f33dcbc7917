// Pending transfers outside the write path: reading one, and the expiry sweep that closes
// those past their expires_at (through the write path, so each closes exactly once).
#pragma once

#include <string>

#include "core/ledger.hpp"
#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

/// A pending transfer with the users owning its two wallets (who may read it).
struct TransferView {
  PendingTransfer transfer;
  std::string sender_user, receiver_user;
};

/// Throws DomainError(kTransferNotFound). Only transfers opened as pending have one; a plain
/// transfer is a transaction.
TransferView get_transfer(pg::Connection& conn, const std::string& transfer_id);

/// Closes, as expired, up to `limit` open pending transfers past their expires_at, oldest
/// first, in one batch of the write path; returns how many it closed. Several processes may
/// sweep at once: a transfer another one closed first is refused here (transfer_not_pending),
/// so each expires exactly once, with one event.
int expire_due_transfers(Ledger& ledger, pg::Connection& conn, int limit);

}  // namespace wallet
