// Audit proves the books balance, and names the invariant when someone changed them behind
// the application's back (as the database owner, bypassing the append-only trigger).
#include "core/audit.hpp"
#include "core/outbox.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class AuditTest : public LedgerFixture {
 protected:
  std::set<std::string> failed() {
    std::set<std::string> names;
    for (const auto& c : run_audit(conn_).checks) {
      if (!c.passed()) names.insert(c.name);
    }
    return names;
  }
  void tamper(const std::string& sql) {
    auto admin = db_.admin();
    admin.exec_script("BEGIN; SET LOCAL session_replication_role = replica; " + sql + "; COMMIT;");
  }
  void SetUp() override {
    a_ = new_wallet("alice", 1'000);
    b_ = new_wallet("bob");
    ledger_.apply_one(transfer(a_, b_, 300));
    ledger_.apply_one(withdrawal(b_, 100));
    ASSERT_TRUE(failed().empty());
  }
  std::string a_, b_;
};

// The owner of the tables, the one role besides a superuser able to get past the append-only
// trigger, disables it and edits an amount: audit sees the sums and the chain break.
TEST_F(AuditTest, AnAmountEditedByTheOwnerWithTriggersDisabledIsCaught) {
  auto owner = db_.owner();
  owner.exec_script(
      "BEGIN; ALTER TABLE ledger_entries DISABLE TRIGGER USER; "
      "UPDATE ledger_entries SET amount = amount + 1 WHERE id = (SELECT max(id) FROM ledger_entries); "
      "ALTER TABLE ledger_entries ENABLE TRIGGER USER; COMMIT;");
  const auto names = failed();
  EXPECT_TRUE(names.count("transactions_balanced"));
  EXPECT_TRUE(names.count("balances_match_entries"));
  EXPECT_TRUE(names.count("entry_hash_chain"));
}

// A careful tamperer turns alice's transfer of 300 to bob into 250 and fixes every sum the
// other checks add up: only the hash chain sees it, and it names the first entry changed.
TEST_F(AuditTest, AnEntryRewrittenWithConsistentSumsIsCaughtByTheHashChain) {
  const auto first_changed = conn_.exec(
      "SELECT min(e.id)::text FROM ledger_entries e JOIN transactions t ON t.id = e.transaction_id "
      "WHERE t.kind = 'transfer'");
  tamper(
      "UPDATE transactions SET amount = 250 WHERE kind = 'transfer'; "
      "UPDATE ledger_entries SET amount = -250, balance_after = balance_after + 50 WHERE wallet_id = '" +
      a_ +
      "' AND amount = -300; "
      "UPDATE ledger_entries SET amount = CASE WHEN amount = 300 THEN 250 ELSE amount END, "
      "balance_after = balance_after - 50 WHERE wallet_id = '" +
      b_ +
      "'; "
      "UPDATE wallets SET balance = balance + 50 WHERE id = '" +
      a_ +
      "'; "
      "UPDATE wallets SET balance = balance - 50 WHERE id = '" +
      b_ + "'");
  EXPECT_EQ(failed(), std::set<std::string>{"entry_hash_chain"});
  for (const auto& c : run_audit(conn_).checks) {
    if (c.name != "entry_hash_chain") continue;
    EXPECT_EQ(c.violations, 3);  // alice's debit, bob's credit, bob's later entry
    ASSERT_FALSE(c.examples.empty());
    EXPECT_EQ(c.examples.front(), first_changed.str(0, 0));
  }
}

TEST_F(AuditTest, ARemovedLastEntryLeavesTheChainHeadDangling) {
  tamper(
      "DELETE FROM outbox; DELETE FROM withdrawals; DELETE FROM ledger_entries WHERE id = (SELECT max(id) FROM "
      "ledger_entries)");
  EXPECT_TRUE(failed().count("entry_hash_chain"));
}

TEST_F(AuditTest, AnEditedBalanceIsCaught) {
  tamper("UPDATE wallets SET balance = balance + 5 WHERE id = '" + b_ + "'");
  EXPECT_TRUE(failed().count("balances_match_entries"));
  EXPECT_TRUE(failed().count("books_balance"));
}

TEST_F(AuditTest, ANegativeUserBalanceIsCaught) {
  tamper(
      "ALTER TABLE wallets DROP CONSTRAINT user_balance_within_overdraft, DROP CONSTRAINT user_balance_covers_pending; "
      "UPDATE wallets SET balance = -1 WHERE id = '" +
      a_ + "'");
  EXPECT_TRUE(failed().count("balances_within_overdraft"));
}

TEST_F(AuditTest, MetadataThatTheApiWouldRefuseIsCaught) {
  tamper("UPDATE wallets SET metadata = '{\"tier\": 1}' WHERE id = '" + b_ + "'");
  EXPECT_EQ(failed(), (std::set<std::string>{"metadata_well_formed"}));
}

TEST_F(AuditTest, ClearingThatDisagreesWithPendingWithdrawalsIsCaught) {
  tamper("UPDATE withdrawals SET status = 'completed'");
  // Completed without a payout transaction, too.
  EXPECT_EQ(failed(), (std::set<std::string>{"clearing_matches_withdrawals", "withdrawals_settled_once"}));
}

TEST_F(AuditTest, AWithdrawalWhoseAmountDiffersFromItsRequestIsCaught) {
  auto conn = db_.connect();
  EXPECT_THROW(conn.exec("UPDATE withdrawals SET amount = amount + 1"), pg::Error);  // the trigger refuses
  tamper(
      "ALTER TABLE withdrawals DISABLE TRIGGER withdrawals_request_immutable; "
      "UPDATE withdrawals SET amount = amount + 1");
  EXPECT_TRUE(failed().count("withdrawals_settled_once"));
}

TEST_F(AuditTest, ATransactionWithoutItsEventIsCaught) {
  tamper("DELETE FROM outbox WHERE event_type = 'transfer.completed'");
  EXPECT_EQ(failed(), std::set<std::string>{"one_event_per_transaction"});
}

// The entries' foreign keys are gone (migration 0006): audit is what catches an entry moved to
// a transaction that does not exist.
TEST_F(AuditTest, AnEntryNamingAMissingTransactionIsCaught) {
  tamper(
      "UPDATE ledger_entries SET transaction_id = gen_random_uuid() WHERE id = (SELECT max(id) FROM ledger_entries)");
  EXPECT_TRUE(failed().count("entries_reference_known_rows"));
}

TEST_F(AuditTest, ViolationsNameTheOffender) {
  tamper("UPDATE wallets SET balance = balance + 5 WHERE id = '" + b_ + "'");
  for (const auto& c : run_audit(conn_).checks) {
    if (c.name == "balances_match_entries") {
      EXPECT_EQ(c.violations, 1);
      EXPECT_EQ(c.examples, std::vector<std::string>{b_});
    }
  }
}

TEST_F(AuditTest, PruningPublishedEventsKeepsTheAuditPassingButAMissingRecentEventIsCaught) {
  static constexpr const char* kPublishAll = "UPDATE outbox SET published_at = now() - interval '2 hours'";
  static constexpr const char* kCount = "SELECT count(*) FROM outbox";
  // Everything so far happened three hours ago and was published two hours ago.
  tamper("UPDATE transactions SET created_at = now() - interval '3 hours'");
  conn_.exec(kPublishAll);
  // Retention one hour: all published rows go, and the audit still passes.
  EXPECT_GT(prune_published(conn_, std::chrono::hours(1)), 0);
  EXPECT_EQ(conn_.exec(kCount).int64(0, 0), 0);
  EXPECT_TRUE(failed().empty());
  // A transaction after the horizon that lost its event is still caught.
  ledger_.apply_one(charge(a_, 5));
  tamper("DELETE FROM outbox");
  EXPECT_TRUE(failed().count("one_event_per_transaction"));
}

}  // namespace
}  // namespace wallet::testing
