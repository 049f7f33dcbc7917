// Locking accounts for a posting: the ledger's one global lock order, and what was locked.
#pragma once

#include <map>
#include <string>

#include "core/pg/connection.hpp"
#include "core/posting.hpp"

namespace wallet {

/// Locks accounts ($1: uuid[]) in id order, the one global lock order of the ledger, so two
/// writers touching the same accounts never deadlock. Returns id, balance, the transaction
/// time, the chain head, the version, whether it is a user wallet, its pending amounts out
/// and in, whether it is frozen and its overdraft limit; locked_accounts() reads it.
inline constexpr const char* kLockAccountsInIdOrder =
    "SELECT w.id, w.balance, now(), w.chain_head, w.version, w.kind = 'user', w.pending_out, w.pending_in, "
    "w.frozen_at IS NOT NULL, w.overdraft_limit "
    "FROM wallets w "
    "WHERE w.id = ANY($1::uuid[]) ORDER BY w.id FOR UPDATE";
/// The accounts kLockAccountsInIdOrder locked, by id (holds not read: zero).
std::map<std::string, AccountState> locked_accounts(const pg::Result& res);

}  // namespace wallet
