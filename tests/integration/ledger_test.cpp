// The core operations against the real PostgreSQL: what a user of the ledger would notice.
#include "core/audit.hpp"
#include "core/history.hpp"
#include "core/ids.hpp"
#include "core/pg/transaction.hpp"
#include "core/rows.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class LedgerTest : public LedgerFixture {
 protected:
  ErrorCode refusal(const Operation& op) {
    const auto r = ledger_.apply({op});
    return r.at(0).error ? r.at(0).error->code() : ErrorCode::kInternal;
  }
};

// Queries select more after a pending transfer's columns (its owners), found by this count.
TEST_F(LedgerTest, ThePendingTransferColumnCountIsTheColumnList) {
  const auto sql = std::string("SELECT ") + rows::kPendingTransferColumns + " FROM pending_transfers p LIMIT 0";
  EXPECT_EQ(conn_.exec(sql.c_str()).columns(), rows::kPendingTransferColumnCount);
}

TEST_F(LedgerTest, ChargeTransferWithdrawMoveMoneyAndBalanceTheBooks) {
  const auto a = new_wallet("alice", 10'000);
  const auto b = new_wallet("bob");
  const auto t = ledger_.apply_one(transfer(a, b, 2'500));
  EXPECT_EQ(t.transaction->kind, TransactionKind::kTransfer);
  const auto w = ledger_.apply_one(withdrawal(b, 1'000));
  ASSERT_TRUE(w.withdrawal.has_value());
  EXPECT_EQ(w.withdrawal->status, WithdrawalStatus::kPending);
  EXPECT_EQ(w.transaction->kind, TransactionKind::kWithdrawal);
  EXPECT_EQ(balance(a), 7'500);
  EXPECT_EQ(balance(b), 1'500);
  EXPECT_TRUE(run_audit(conn_).passed());
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event_type = 'withdrawal.requested'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event_type = 'wallet.created'"), 2);
}

// Reproduced in review: the funding account's balance is minus every charge ever made, so once
// it neared the smallest bigint every further charge failed. Any number of valid charges works.
TEST_F(LedgerTest, ChargesNeverRunOutOfFundingAccount) {
  constexpr std::int64_t kHuge = 4'000'000'000'000'000'000;  // two fit in a wallet, not three
  const auto a = new_wallet("a"), b = new_wallet("b"), c = new_wallet("c");
  for (const auto& w : {a, b}) {
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(ledger_.apply_one(charge(w, kHuge)).ok());
  }
  // A batch whose charges fill the funding account again runs on the next one.
  const auto results = ledger_.apply({charge(c, kHuge), charge(c, kHuge), charge(c, kHuge)});
  EXPECT_TRUE(results[0].ok() && results[1].ok());
  ASSERT_TRUE(results[2].error);
  EXPECT_EQ(results[2].error->code(), ErrorCode::kBalanceOverflow);  // c itself cannot take a third
  EXPECT_EQ(wallets_.get(c).balance.minor(), 2 * kHuge);
  EXPECT_EQ(conn_.exec("SELECT count(*) FROM wallets WHERE kind = 'funding'").int64(0, 0), 3);
  // Another ledger, whose cache still names the first funding account, finds the newest.
  auto other_conn = db_.connect();
  Ledger other(other_conn, settings_);
  const auto d = new_wallet("d");
  EXPECT_TRUE(other.apply({charge(d, kHuge), charge(d, kHuge)})[1].ok());
  EXPECT_EQ(wallets_.get(d).balance.minor(), 2 * kHuge);
  EXPECT_TRUE(run_audit(conn_).passed());
}

TEST_F(LedgerTest, ChargeByUserCreatesTheWalletOtherOperationsDoNot) {
  Operation op = charge("", 700);
  op.wallet = {std::nullopt, std::string("carol")};
  op.currency = "EUR";
  const auto r = ledger_.apply_one(op);
  const auto w = wallets_.get_by_user("carol", "EUR");
  EXPECT_EQ(w.balance.minor(), 700);
  EXPECT_EQ(r.transaction->destination_wallet_id, w.id);

  Operation out = withdrawal("", 1);
  out.wallet = {std::nullopt, std::string("dave")};
  EXPECT_EQ(refusal(out), ErrorCode::kWalletNotFound);
  EXPECT_THROW(wallets_.get_by_user("dave", "USD"), DomainError);
}

TEST_F(LedgerTest, RefusalsHaveStableCodesAndChangeNothing) {
  const auto a = new_wallet("alice", 100);
  const auto b = new_wallet("bob");
  const auto e = new_wallet("erin", 0, "EUR");
  const auto before = count("SELECT count(*) FROM ledger_entries");
  EXPECT_EQ(refusal(transfer(a, b, 101)), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(refusal(withdrawal(a, 101)), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(refusal(transfer(a, a, 1)), ErrorCode::kSameWallet);
  EXPECT_EQ(refusal(transfer(a, e, 1)), ErrorCode::kCurrencyMismatch);
  EXPECT_EQ(refusal(charge("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", 1)), ErrorCode::kWalletNotFound);
  Operation wrong_currency = charge(a, 1);
  wrong_currency.currency = "EUR";
  EXPECT_EQ(refusal(wrong_currency), ErrorCode::kCurrencyMismatch);
  // A system account is not a wallet anyone may name.
  const auto funding = conn_.exec("SELECT id::text FROM wallets WHERE kind = 'funding'").str(0, 0);
  EXPECT_EQ(refusal(transfer(funding, a, 1)), ErrorCode::kWalletNotFound);
  EXPECT_EQ(count("SELECT count(*) FROM ledger_entries"), before);
  EXPECT_EQ(balance(a), 100);
}

TEST_F(LedgerTest, CreatingASecondWalletInOneCurrencyIsRefused) {
  new_wallet("alice");
  try {
    wallets_.create("alice", "USD");
    FAIL() << "second wallet created";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kWalletExists);
  }
  EXPECT_NO_THROW(wallets_.create("alice", "EUR"));
}

TEST_F(LedgerTest, SameKeySameRequestReplaysDifferentRequestConflicts) {
  const auto a = new_wallet("alice", 1'000);
  const auto b = new_wallet("bob");
  const auto first = ledger_.apply_one(transfer(a, b, 10, "k-1"));
  const auto again = ledger_.apply_one(transfer(a, b, 10, "k-1"));
  EXPECT_FALSE(first.replayed);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.transaction->id, first.transaction->id);
  EXPECT_EQ(balance(b), 10);
  EXPECT_EQ(refusal(transfer(a, b, 11, "k-1")), ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(refusal(charge(b, 10, "k-1")), ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(balance(b), 10);

  const auto w1 = ledger_.apply_one(withdrawal(a, 5, "w-1"));
  const auto w2 = ledger_.apply_one(withdrawal(a, 5, "w-1"));
  EXPECT_TRUE(w2.replayed);
  EXPECT_EQ(w2.withdrawal->id, w1.withdrawal->id);
  EXPECT_EQ(count("SELECT count(*) FROM withdrawals"), 1);
}

// One batch may carry several clients' requests (the daemon's group commit): a key is one
// client's, so the same key from two scopes is two requests, and a refused one frees only its own.
TEST_F(LedgerTest, KeysOfDifferentScopesInOneBatchAreDifferentKeys) {
  const auto a = new_wallet("alice", 100);
  const auto b = new_wallet("bob");
  auto scoped = [](Operation op, const char* scope) {
    op.key_scope = scope;
    return op;
  };
  const auto results =
      ledger_.apply({scoped(transfer(a, b, 10, "k"), "client-1"), scoped(transfer(a, b, 20, "k"), "client-2"),
                     scoped(transfer(a, b, 10, "k"), "client-1"), scoped(transfer(a, b, 500, "k"), "client-3")});
  ASSERT_TRUE(results[0].ok());
  ASSERT_TRUE(results[1].ok());
  EXPECT_FALSE(results[1].replayed);
  EXPECT_NE(results[1].transaction->id, results[0].transaction->id);
  EXPECT_TRUE(results[2].replayed);
  EXPECT_EQ(results[2].transaction->id, results[0].transaction->id);
  EXPECT_EQ(results[3].error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(balance(b), 30);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys WHERE key = 'k'"), 2);
  // Each scope replays its own request in a later batch.
  EXPECT_EQ(ledger_.apply_one(scoped(transfer(a, b, 20, "k"), "client-2")).transaction->id, results[1].transaction->id);
  EXPECT_FALSE(ledger_.apply_one(scoped(transfer(a, b, 5, "k"), "client-3")).replayed);
}

// With the key already recorded, each request of a batch is compared with the record, in
// whatever order they arrived: the same request replays even behind a different one.
TEST_F(LedgerTest, ARecordedKeyJudgesEveryRequestOfABatchInAnyOrder) {
  const auto a = new_wallet("alice", 100), b = new_wallet("bob");
  const auto first = ledger_.apply_one(transfer(a, b, 5, "k"));
  const auto results = ledger_.apply({transfer(a, b, 6, "k"), transfer(a, b, 5, "k")});
  EXPECT_EQ(results[0].error->code(), ErrorCode::kIdempotencyConflict);
  ASSERT_TRUE(results[1].ok());
  EXPECT_TRUE(results[1].replayed);
  EXPECT_EQ(results[1].transaction->id, first.transaction->id);
  EXPECT_EQ(balance(b), 5);
}

TEST_F(LedgerTest, ARefusedRequestDoesNotConsumeItsKey) {
  const auto a = new_wallet("alice");
  const auto b = new_wallet("bob");
  EXPECT_EQ(refusal(transfer(a, b, 50, "pay-1")), ErrorCode::kInsufficientFunds);
  ledger_.apply_one(charge(a, 50));
  const auto r = ledger_.apply_one(transfer(a, b, 50, "pay-1"));
  EXPECT_FALSE(r.replayed);
  EXPECT_EQ(balance(b), 50);
  EXPECT_EQ(refusal(charge("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", 1, "ghost")), ErrorCode::kWalletNotFound);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys WHERE key = 'ghost'"), 0);
}

TEST_F(LedgerTest, ABatchGivesEachOperationItsOwnResult) {
  const auto a = new_wallet("alice");
  const auto b = new_wallet("bob");
  const auto results = ledger_.apply({charge(a, 100), transfer(a, b, 60), transfer(a, b, 60), withdrawal(b, 10, "k"),
                                      withdrawal(b, 10, "k"), withdrawal(b, 11, "k")});
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());  // spends the charge made earlier in the same batch
  EXPECT_EQ(results[2].error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_TRUE(results[3].ok());
  EXPECT_TRUE(results[4].replayed);
  EXPECT_EQ(results[4].withdrawal->id, results[3].withdrawal->id);
  EXPECT_EQ(results[5].error->code(), ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(balance(a), 40);
  EXPECT_EQ(balance(b), 50);
  EXPECT_TRUE(run_audit(conn_).passed());
}

TEST_F(LedgerTest, HeldFundsCannotBeSpentBeforeReleaseAndCanAfter) {
  const auto a = new_wallet("alice");
  const auto b = new_wallet("bob");
  Operation held = charge(a, 500);
  held.release_at = now_utc() + std::chrono::hours(1);
  const auto r = ledger_.apply_one(held);
  auto w = wallets_.get(a);
  EXPECT_EQ(w.balance.minor(), 500);
  EXPECT_EQ(w.available().minor(), 0);
  EXPECT_EQ(w.held.minor(), 500);
  EXPECT_EQ(refusal(withdrawal(a, 1)), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(refusal(transfer(a, b, 1)), ErrorCode::kInsufficientFunds);

  // The hour passes: move the release time into the past, as the clock would.
  db_.admin().exec("UPDATE holds SET release_at = now() - interval '1 second' WHERE transaction_id = $1",
                   {r.transaction->id});
  w = wallets_.get(a);
  EXPECT_EQ(w.available().minor(), 500);
  EXPECT_EQ(w.held.minor(), 0);
  EXPECT_TRUE(ledger_.apply_one(transfer(a, b, 200)).ok());
  EXPECT_TRUE(ledger_.apply_one(withdrawal(a, 300)).ok());
  EXPECT_EQ(balance(a), 0);
}

TEST_F(LedgerTest, HistoryPagesNewestFirstWithCursors) {
  const auto a = new_wallet("alice");
  const auto b = new_wallet("bob");
  for (int i = 1; i <= 5; ++i) ledger_.apply_one(charge(a, i));
  auto page = wallet_history(conn_, a, {2, std::nullopt, std::nullopt});
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].transaction.amount.minor(), 5);
  EXPECT_EQ(page.items[0].balance_after.minor(), 15);
  ASSERT_TRUE(page.next_cursor.has_value());
  EXPECT_THROW(wallet_history(conn_, b, {2, page.next_cursor, std::nullopt}), DomainError);
  page = wallet_history(conn_, a, {2, page.next_cursor, std::nullopt});
  EXPECT_EQ(page.items[0].transaction.amount.minor(), 3);
  page = wallet_history(conn_, a, {2, page.next_cursor, std::nullopt});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].transaction.amount.minor(), 1);
  EXPECT_FALSE(page.next_cursor.has_value());
  EXPECT_THROW(wallet_history(conn_, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", {2, std::nullopt, std::nullopt}), DomainError);
  // A system account has history, but it is not a wallet anyone may read as one.
  const auto funding = conn_.exec("SELECT id::text FROM wallets WHERE kind = 'funding'").str(0, 0);
  EXPECT_THROW(wallet_history(conn_, funding, {2, std::nullopt, std::nullopt}), DomainError);
}

// The cursor key is each ledger's own secret: a cursor of one user's history is refused by
// another ledger holding the same user, and by this one after its key changed (while it was a
// constant in the source, anyone could sign one).
TEST_F(LedgerTest, HistoryCursorsAreSignedWithTheLedgersOwnSecret) {
  const auto wallet = new_wallet("dora", 5);
  ledger_.apply_one(charge(wallet, 2));
  const auto page = user_history(conn_, "dora", {1, std::nullopt, std::nullopt});
  ASSERT_TRUE(page.next_cursor);
  EXPECT_EQ(user_history(conn_, "dora", {1, page.next_cursor, std::nullopt}).items.size(), 1u);

  TestDatabase other_ledger;
  auto other = other_ledger.connect();
  WalletStore(other, 1).create("dora", "USD");
  EXPECT_THROW(user_history(other, "dora", {1, page.next_cursor, std::nullopt}), DomainError);

  db_.owner().exec("UPDATE ledger_secrets SET value = decode(md5('rotated') || md5('key'), 'hex')");
  EXPECT_THROW(user_history(conn_, "dora", {1, page.next_cursor, std::nullopt}), DomainError);
  EXPECT_NE(cursor_key(conn_).bytes, cursor_key(other).bytes);
}

TEST_F(LedgerTest, LedgerEntriesAreAppendOnlyInTheDatabase) {
  new_wallet("alice", 100);
  EXPECT_THROW(conn_.exec("UPDATE ledger_entries SET amount = amount + 1"), pg::Error);
  EXPECT_THROW(conn_.exec("DELETE FROM ledger_entries"), pg::Error);
  EXPECT_THROW(conn_.exec("TRUNCATE ledger_entries CASCADE"), pg::Error);
  EXPECT_THROW(conn_.exec("UPDATE wallets SET balance = -1 WHERE kind = 'user'"), pg::Error);
  EXPECT_TRUE(run_audit(conn_).passed());
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

// A serialization failure inside a transaction is retried by the core, not shown to the user.
TEST(Transactions, SerializationFailuresAreRetried) {
  // The scratch table needs the owner role: the application role may not create tables.
  TestDatabase db;
  auto conn = db.owner();
  auto other = db.owner();
  conn.exec_script("CREATE TABLE counter (n int); INSERT INTO counter VALUES (0);");
  int attempts = 0;
  pg::in_transaction(conn, 3, [&] {
    ++attempts;
    conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    conn.exec("SELECT n FROM counter");
    // Another client commits a change to the row this transaction has already read.
    if (attempts == 1) other.exec("UPDATE counter SET n = n + 10");
    conn.exec("UPDATE counter SET n = n + 1");
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(conn.exec("SELECT n FROM counter").int64(0, 0), 11);
}

TEST(Transactions, RetriesAreBounded) {
  TestDatabase db;
  auto conn = db.connect();
  int attempts = 0;
  EXPECT_THROW(pg::in_transaction(conn, 3,
                                  [&] {
                                    ++attempts;
                                    throw pg::Error(pg::ErrorKind::kRetryable, "40001", "forced");
                                  }),
               pg::Error);
  EXPECT_EQ(attempts, 3);
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

class ByUserTest : public LedgerFixture {};

TEST_F(ByUserTest, OperationsByUserReachTheExistingWalletOfThatCurrency) {
  const auto usd = new_wallet("frank", 1'000);
  const auto eur = new_wallet("frank", 0, "EUR");
  Operation more = charge("", 5);
  more.wallet = {std::nullopt, std::string("frank")};
  EXPECT_EQ(ledger_.apply_one(more).transaction->destination_wallet_id, usd);
  Operation out = withdrawal("", 5);
  out.wallet = {std::nullopt, std::string("frank")};
  EXPECT_EQ(ledger_.apply_one(out).withdrawal->wallet_id, usd);
  more.currency = "EUR";
  EXPECT_EQ(ledger_.apply_one(more).transaction->destination_wallet_id, eur);
  EXPECT_EQ(balance(usd), 1'000);
  EXPECT_EQ(balance(eur), 5);
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

class BatchModeTest : public LedgerFixture {};

TEST_F(BatchModeTest, StopAtFirstErrorLeavesLaterOperationsUnattemptedAndTheirKeysFree) {
  const auto a = new_wallet("alice", 100);
  const auto b = new_wallet("bob");
  const auto results =
      ledger_.apply({transfer(a, b, 10), transfer(a, b, 1000, "k-big"), transfer(a, b, 20, "k-later"), charge(b, 5)},
                    BatchMode::kStopAtFirstError);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_FALSE(results[2].attempted);
  EXPECT_FALSE(results[3].attempted);
  EXPECT_EQ(balance(b), 10);
  EXPECT_EQ(count("SELECT count(*) FROM idempotency_keys"), 0);
  EXPECT_FALSE(ledger_.apply_one(transfer(a, b, 20, "k-later")).replayed);
}

TEST_F(BatchModeTest, ValidateOnlyChecksWalletsAndKeysAndChangesNothing) {
  const auto a = new_wallet("alice", 100);
  const auto b = new_wallet("bob");
  ledger_.apply_one(charge(a, 1, "done"));
  Operation newcomer = charge("", 5);
  newcomer.wallet = {std::nullopt, std::string("newcomer")};
  const auto before = count("SELECT count(*) FROM ledger_entries") + count("SELECT count(*) FROM wallets");
  const auto results = ledger_.apply({transfer(a, b, 5), charge(a, 1, "done"), charge(a, 2, "done"),
                                      charge("0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", 1), newcomer, transfer(a, a, 1)},
                                     BatchMode::kValidateOnly);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[0].transaction.has_value());
  EXPECT_TRUE(results[1].replayed);
  EXPECT_EQ(results[2].error->code(), ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(results[3].error->code(), ErrorCode::kWalletNotFound);
  EXPECT_TRUE(results[4].ok());
  EXPECT_EQ(results[5].error->code(), ErrorCode::kSameWallet);
  EXPECT_EQ(count("SELECT count(*) FROM ledger_entries") + count("SELECT count(*) FROM wallets"), before);
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

class KeyIntegrityTest : public LedgerFixture {};

TEST_F(KeyIntegrityTest, AKeyNamingAMissingTransactionIsAnErrorNotACrash) {
  const auto a = new_wallet("alice");
  const auto op = charge(a, 10, "orphan");
  db_.admin().exec("INSERT INTO idempotency_keys (scope, key, request_hash, transaction_id) VALUES ('', $1, $2, $3)",
                   {std::string("orphan"), op.request_hash(), new_uuid()});
  try {
    ledger_.apply({op});
    FAIL() << "replayed a transaction that does not exist";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
  }
  EXPECT_EQ(balance(a), 0);
}

}  // namespace
}  // namespace wallet::testing
