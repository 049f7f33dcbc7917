// A wallet's balance as it was at a past instant: what support and regulators ask.
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/pg/connection.hpp"
#include "core/timestamp.hpp"

namespace wallet {

/// What a wallet held at one instant. Writes are dated by their database transaction's start
/// (now()), entries, holds and pending transfers alike, so the instant falls between two
/// writes of the wallet, never inside one.
struct BalanceAt {
  std::string wallet_id, user_id, currency;
  std::string at;  // RFC 3339, as asked
  Money balance;   // balance_after of the last entry written at or before `at` (0 before any)
  Money held;      // holds of charges written by then and not yet released at `at`
  Money pending_out, pending_in;  // pending transfers opened by then and still open at `at`
  Money available() const { return spendable(balance, held, pending_out); }
};

/// The wallet at `at`. Throws DomainError(kWalletNotFound), or DomainError(kAtInFuture) when
/// `at` is later than the database's now. Before the wallet existed every amount is 0.
BalanceAt balance_at(pg::Connection& conn, const std::string& wallet_id, Timestamp at);

}  // namespace wallet
