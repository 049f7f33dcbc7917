// A wallet's history, newest first, with opaque cursors that a client cannot forge or carry
// to another wallet.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model.hpp"
#include "core/pg/connection.hpp"

namespace wallet {

inline constexpr int kDefaultPageLimit = 50;
inline constexpr int kMaxPageLimit = 200;

struct HistoryPage {
  std::vector<HistoryItem> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

/// Parses a page size from 1 to 200. Throws DomainError(kInvalidLimit).
int parse_limit(std::string_view text);

/// Which page of a history: `limit` lines after `cursor` (from the start when absent), only
/// the transactions whose metadata holds `pair` when one is given.
struct HistoryQuery {
  int limit = kDefaultPageLimit;
  std::optional<std::string> cursor;
  std::optional<std::pair<std::string, std::string>> pair;
};

/// A page of a wallet's history. Throws DomainError(kWalletNotFound) or
/// DomainError(kInvalidCursor).
HistoryPage wallet_history(pg::Connection& conn, const std::string& wallet_id, const HistoryQuery& query);

/// How PostgreSQL would read the first page of wallet_history() (EXPLAIN's text): what shows
/// that a metadata filter uses its indexes.
std::string wallet_history_plan(pg::Connection& conn, const std::string& wallet_id, const HistoryQuery& query);

/// A page of a user's history across all their wallets, newest first. Throws
/// DomainError(kWalletNotFound) when the user has no wallet, or DomainError(kInvalidCursor).
HistoryPage user_history(pg::Connection& conn, const std::string& user_id, const HistoryQuery& query);

/// The key that signs cursors: this ledger's secret (migration 0011), the same for every process.
struct CursorKey {
  std::string bytes;
};
CursorKey cursor_key(pg::Connection& conn);

/// Cursor codec, exposed for tests: a cursor names its history (a wallet id, or a user's
/// scope) and the last entry id seen, signed with `key`. A cursor of one history is refused by
/// every other, and by a ledger with another key.
std::string encode_cursor(const CursorKey& key, const std::string& scope, std::int64_t entry_id);
std::int64_t decode_cursor(const CursorKey& key, const std::string& cursor, const std::string& scope);

}  // namespace wallet
