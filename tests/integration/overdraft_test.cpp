// Overdraft limits: transfers and pending transfers may take available down to -limit,
// withdrawals never; a limit is never set below what the wallet owes; audit holds the line.
#include "core/audit.hpp"
#include "core/wallet_controls.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class OverdraftTest : public LedgerFixture {
 protected:
  static Operation pending(const std::string& from, const std::string& to, std::int64_t amount) {
    auto op = transfer(from, to, amount);
    op.kind = OperationKind::kPendingTransfer;
    return op;
  }
  std::string limit_code(const std::string& wallet, std::int64_t limit) {
    try {
      set_overdraft_limit(conn_, 3, wallet, Money(limit));
      return "ok";
    } catch (const DomainError& e) {
      return std::string(e.name());
    }
  }
};

TEST_F(OverdraftTest, TransfersDrawOnTheLimitWithdrawalsNever) {
  const auto a = new_wallet("alice", 100), b = new_wallet("bob");
  EXPECT_EQ(code_of(transfer(a, b, 150)), "insufficient_funds") << "no limit, no overdraft";
  EXPECT_EQ(set_overdraft_limit(conn_, 3, a, Money(500)).overdraft_limit.minor(), 500);

  EXPECT_EQ(code_of(transfer(a, b, 150)), "ok");
  EXPECT_EQ(balance(a), -50);
  EXPECT_EQ(code_of(pending(a, b, 400)), "ok");
  EXPECT_EQ(wallets_.get(a).available().minor(), -450);
  EXPECT_EQ(code_of(pending(a, b, 51)), "insufficient_funds") << "past -500";
  EXPECT_EQ(code_of(transfer(a, b, 51)), "insufficient_funds");
  EXPECT_EQ(code_of(transfer(a, b, 50)), "ok");  // exactly -500
  EXPECT_EQ(code_of(withdrawal(a, 1)), "insufficient_funds") << "withdrawals never draw on the overdraft";
  EXPECT_TRUE(run_audit(conn_).passed()) << "a balance within its overdraft is no violation";

  // Owes 500 (balance -100, 400 reserved): a lower limit is refused, an equal one is not.
  EXPECT_EQ(limit_code(a, 499), "limit_below_debt");
  EXPECT_EQ(limit_code(a, 0), "limit_below_debt");
  EXPECT_EQ(limit_code(a, 500), "ok");
  EXPECT_EQ(wallets_.get(a).overdraft_limit.minor(), 500);

  ledger_.apply_one(charge(a, 1'000));  // balance 900, available 500
  EXPECT_EQ(code_of(withdrawal(a, 501)), "insufficient_funds");
  EXPECT_EQ(code_of(withdrawal(a, 500)), "ok");
  EXPECT_EQ(limit_code(a, 0), "ok") << "owes nothing now";
  EXPECT_EQ(code_of(transfer(a, b, 1)), "insufficient_funds");
  EXPECT_EQ(limit_code(b, 0), "ok");
  EXPECT_TRUE(run_audit(conn_).passed());
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event_type = 'wallet.overdraft_limit_changed'"), 4);
}

TEST_F(OverdraftTest, TheDatabaseRefusesABalanceBelowTheLimitWhateverTheCode) {
  const auto a = new_wallet("alice");
  set_overdraft_limit(conn_, 3, a, Money(100));
  const auto set_balance = [&](int balance) {
    db_.owner().exec(("UPDATE wallets SET balance = " + std::to_string(balance) + " WHERE id = '" + a + "'").c_str());
  };
  EXPECT_THROW(set_balance(-101), std::exception);
  EXPECT_NO_THROW(set_balance(-100));
  set_balance(0);
}

}  // namespace
}  // namespace wallet::testing
