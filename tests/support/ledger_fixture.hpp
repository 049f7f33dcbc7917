// A fresh database with a Ledger and WalletStore on it, and shorthands for building operations.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/ledger.hpp"
#include "core/wallet_store.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {

class LedgerFixture : public ::testing::Test {
 protected:
  LedgerFixture() : conn_(db_.connect()), settings_(db_.settings()), ledger_(conn_, settings_), wallets_(conn_, 5) {}

  std::string new_wallet(const std::string& user, std::int64_t funds = 0, const std::string& currency = "USD") {
    const auto w = wallets_.create(user, currency);
    if (funds > 0) ledger_.apply_one(charge(w.id, funds));
    return w.id;
  }
  static Operation charge(const std::string& wallet, std::int64_t amount, std::optional<std::string> key = {}) {
    Operation op;
    op.kind = OperationKind::kCharge;
    op.wallet.wallet_id = wallet;
    op.amount = Money(amount);
    op.idempotency_key = std::move(key);
    return op;
  }
  static Operation transfer(const std::string& from, const std::string& to, std::int64_t amount,
                            std::optional<std::string> key = {}) {
    Operation op = charge(from, amount, std::move(key));
    op.kind = OperationKind::kTransfer;
    op.to_wallet_id = to;
    return op;
  }
  static Operation withdrawal(const std::string& wallet, std::int64_t amount, std::optional<std::string> key = {}) {
    Operation op = charge(wallet, amount, std::move(key));
    op.kind = OperationKind::kWithdrawal;
    return op;
  }
  /// Applies one operation: "ok", or the code it was refused with.
  std::string code_of(const Operation& op) {
    const auto r = ledger_.apply({op}).at(0);
    return r.error ? std::string(r.error->name()) : "ok";
  }
  std::int64_t balance(const std::string& wallet) { return wallets_.get(wallet).balance.minor(); }
  std::int64_t count(const char* sql) { return conn_.exec(sql).int64(0, 0); }
  /// Whether a session of this database waits for a row lock within five seconds.
  bool someone_waits_for_a_lock() {
    for (int i = 0; i < 500; ++i) {
      if (count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'") > 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  TestDatabase db_;
  pg::Connection conn_;
  Settings settings_;
  Ledger ledger_;
  WalletStore wallets_;
};

}  // namespace wallet::testing
