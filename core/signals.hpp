// How walletctl processes signal one another through PostgreSQL, in one place: the NOTIFY
// channels and their statements, the wallet-change payload (written here and by the trigger of
// migrations 0003/0007, read by every serve), and the advisory locks that elect one process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet::signals {

/// A commit wrote outbox rows: the relay publishes them.
inline constexpr const char* kOutboxChannel = "walletctl_outbox";
/// A commit made withdrawals due: the pools claim them.
inline constexpr const char* kWithdrawalChannel = "walletctl_withdrawals";
/// A commit changed wallets; the payload is "wallet_id:version,…" (wallet_changes_payloads()).
inline constexpr const char* kWalletChannel = "walletctl_wallets";

/// Sent inside a transaction: the pools wake at its commit, not at their next poll.
pg::Statement notify_withdrawals();
/// Sent inside a transaction: tells kWalletChannel's listeners of `changed` at its commit, as
/// the trigger would have (for a writer that told the balance cache itself, or failed to).
pg::Statement notify_wallet_changes(const std::vector<WalletVersion>& changed);
/// Parses a kWalletChannel payload. Malformed items are skipped.
std::vector<WalletVersion> parse_wallet_changes(const std::string& payload);

/// Subscribes `conn` to `channel`.
void listen(pg::Connection& conn, const char* channel);

/// The advisory lock keys, each a constant no other part of walletctl uses.
enum class Lock : std::int64_t {
  kMigrations = 7217650001,   // one `migrate` at a time
  kOutboxRelay = 7217650002,  // the one relaying process, held for its session
};
void lock(pg::Connection& conn, Lock key);
void unlock(pg::Connection& conn, Lock key);
/// Takes the lock for the session unless another session holds it.
bool try_lock(pg::Connection& conn, Lock key);

}  // namespace wallet::signals
