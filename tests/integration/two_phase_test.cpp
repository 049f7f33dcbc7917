// Pending transfers (authorise, capture, void, expire) and reversals against PostgreSQL: what a
// wallet shows at each step, every refusal, idempotency, the races between closers, and audit.
#include <atomic>
#include <thread>

#include "core/audit.hpp"
#include "core/pending_transfers.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class TwoPhaseTest : public LedgerFixture {
 protected:
  static Operation pending(const std::string& from, const std::string& to, std::int64_t amount,
                           std::optional<std::string> key = {}) {
    Operation op = transfer(from, to, amount, std::move(key));
    op.kind = OperationKind::kPendingTransfer;
    return op;
  }
  static Operation act(OperationKind kind, const std::string& transfer_id, std::int64_t amount = 0,
                       std::optional<std::string> key = {}) {
    Operation op;
    op.kind = kind;
    op.target = transfer_id;
    op.amount = Money(amount);
    op.idempotency_key = std::move(key);
    return op;
  }
  static Operation reversal(const std::string& transaction_id, std::int64_t amount = 0) {
    Operation op = act(OperationKind::kReversal, transaction_id, amount);
    op.reason = "customer refund";
    return op;
  }
  ErrorCode refusal(const Operation& op) {
    try {
      ledger_.apply_one(op);
    } catch (const DomainError& e) {
      return e.code();
    }
    ADD_FAILURE() << "the operation was not refused";
    return ErrorCode::kInternal;
  }
  std::vector<std::string> audit_failures() {
    std::vector<std::string> out;
    for (const auto& c : run_audit(conn_).checks) {
      if (!c.passed()) out.push_back(c.name);
    }
    return out;
  }
  // Waits (bounded) until the database's clock has passed the transfer's expires_at.
  void wait_until_due(const std::string& transfer_id) {
    for (int i = 0; i < 1000; ++i) {  // up to 10 s
      if (conn_.exec("SELECT expires_at <= now() FROM pending_transfers WHERE id = $1", {transfer_id}).boolean(0, 0)) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "transfer " << transfer_id << " never came due";
  }
  std::int64_t events(const std::string& type) {
    return conn_.exec("SELECT count(*) FROM outbox WHERE event_type = $1", {type}).int64(0, 0);
  }
};

TEST_F(TwoPhaseTest, AuthoriseReservesAndCaptureMovesPartAndReleasesTheRest) {
  const auto a = new_wallet("alice", 1'000), b = new_wallet("bob");
  const auto opened = ledger_.apply_one(pending(a, b, 600, "auth-1"));
  ASSERT_TRUE(opened.transfer);
  const auto id = opened.transfer->id;
  auto alice = wallets_.get(a);
  EXPECT_EQ(alice.balance.minor(), 1'000) << "the balance does not move";
  EXPECT_EQ(alice.pending_out.minor(), 600);
  EXPECT_EQ(alice.available().minor(), 400);
  EXPECT_EQ(wallets_.get(b).balance.minor(), 0) << "the receiver sees nothing yet";
  EXPECT_EQ(wallets_.get(b).pending_in.minor(), 600);
  EXPECT_EQ(refusal(withdrawal(a, 401)), ErrorCode::kInsufficientFunds) << "the reservation is not spendable";

  const auto captured = ledger_.apply_one(act(OperationKind::kCapture, id, 450, "cap-1"));
  ASSERT_TRUE(captured.transfer && captured.transaction);
  EXPECT_EQ(captured.transfer->state, TransferState::kPosted);
  EXPECT_EQ(captured.transfer->captured_amount.minor(), 450);
  EXPECT_EQ(captured.transfer->released_amount.minor(), 150);
  EXPECT_EQ(balance(a), 550);
  EXPECT_EQ(balance(b), 450);
  EXPECT_EQ(wallets_.get(a).pending_out.minor(), 0);
  EXPECT_EQ(wallets_.get(a).available().minor(), 550);
  EXPECT_EQ(wallets_.get(b).pending_in.minor(), 0);

  // The same capture again answers what it did; another capture or a void is refused.
  const auto replay = ledger_.apply_one(act(OperationKind::kCapture, id, 450, "cap-1"));
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.transaction->id, captured.transaction->id);
  EXPECT_EQ(replay.transfer->state, TransferState::kPosted);
  EXPECT_EQ(refusal(act(OperationKind::kCapture, id, 1)), ErrorCode::kTransferNotPending);
  EXPECT_EQ(refusal(act(OperationKind::kVoid, id)), ErrorCode::kTransferNotPending);
  EXPECT_EQ(refusal(act(OperationKind::kCapture, id, 1, "cap-1")), ErrorCode::kIdempotencyConflict);

  const auto view = get_transfer(conn_, id);
  EXPECT_EQ(view.transfer.capture_transaction_id, captured.transaction->id);
  EXPECT_EQ(view.sender_user, "alice");
  EXPECT_EQ(events("transfer.pending"), 1);
  EXPECT_EQ(events("transfer.posted"), 1);
  EXPECT_TRUE(audit_failures().empty());
}

TEST_F(TwoPhaseTest, RefusalsChangeNothing) {
  const auto a = new_wallet("alice", 100), b = new_wallet("bob");
  EXPECT_EQ(refusal(pending(a, b, 101)), ErrorCode::kInsufficientFunds);
  const auto id = ledger_.apply_one(pending(a, b, 100)).transfer->id;
  EXPECT_EQ(refusal(act(OperationKind::kCapture, id, 101)), ErrorCode::kCaptureExceedsPending);
  EXPECT_EQ(refusal(act(OperationKind::kCapture, "01890000-0000-7000-8000-000000000000")),
            ErrorCode::kTransferNotFound);
  Operation foreign = act(OperationKind::kVoid, id);
  foreign.acting_user = "bob";  // the receiver's user-bound key: not its transfer to close
  EXPECT_EQ(refusal(foreign), ErrorCode::kTransferNotFound);
  Operation past = pending(a, b, 1);
  past.expires_at = parse_rfc3339("2020-01-01T00:00:00Z");
  EXPECT_EQ(refusal(past), ErrorCode::kInvalidExpiresAt);
  EXPECT_EQ(wallets_.get(a).pending_out.minor(), 100);
  EXPECT_EQ(get_transfer(conn_, id).transfer.state, TransferState::kPending);

  const auto voided = ledger_.apply_one(act(OperationKind::kVoid, id, 0, "void-1"));
  EXPECT_EQ(voided.transfer->state, TransferState::kVoided);
  EXPECT_FALSE(voided.transaction.has_value());
  EXPECT_TRUE(ledger_.apply_one(act(OperationKind::kVoid, id, 0, "void-1")).replayed);
  EXPECT_EQ(wallets_.get(a).available().minor(), 100);
  EXPECT_EQ(balance(b), 0);
  EXPECT_TRUE(audit_failures().empty());
}

// Expiry is the sweep's, in the database: several sweeps at once close each transfer once.
TEST_F(TwoPhaseTest, ConcurrentSweepsExpireEachTransferExactlyOnce) {
  const auto a = new_wallet("alice", 1'000), b = new_wallet("bob");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    Operation op = pending(a, b, 10);
    op.expires_at = now_utc() + std::chrono::seconds(1);
    ids.push_back(ledger_.apply_one(op).transfer->id);
  }
  EXPECT_EQ(wallets_.get(a).available().minor(), 900);
  wait_until_due(ids.back());
  EXPECT_EQ(refusal(act(OperationKind::kCapture, ids.front())), ErrorCode::kTransferNotPending)
      << "past its expiry a transfer takes no capture";

  std::atomic<int> closed{0};
  std::vector<std::thread> sweeps;
  for (int i = 0; i < 4; ++i) {
    sweeps.emplace_back([&] {
      auto conn = db_.connect();
      Ledger ledger(conn, settings_);
      closed += expire_due_transfers(ledger, conn, 100);
    });
  }
  for (auto& t : sweeps) t.join();
  EXPECT_EQ(closed.load(), 10);
  EXPECT_EQ(events("transfer.expired"), 10);
  for (const auto& id : ids) EXPECT_EQ(get_transfer(conn_, id).transfer.state, TransferState::kExpired);
  EXPECT_EQ(wallets_.get(a).available().minor(), 1'000);
  EXPECT_EQ(wallets_.get(a).pending_out.minor(), 0);
  EXPECT_TRUE(audit_failures().empty());
}

// Captures and voids of the same transfers from many threads: each transfer closes once, and
// the money adds up to what the winners did.
TEST_F(TwoPhaseTest, CaptureRacingVoidAppliesExactlyOne) {
  const auto a = new_wallet("alice", 10'000), b = new_wallet("bob");
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(ledger_.apply_one(pending(a, b, 100)).transfer->id);
  std::atomic<int> captures{0}, voids{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto conn = db_.connect();
      Ledger ledger(conn, settings_);
      for (const auto& id : ids) {
        const auto kind = (t % 2 == 0) ? OperationKind::kCapture : OperationKind::kVoid;
        const auto r = ledger.apply({act(kind, id)}).front();
        if (r.ok()) {
          ++(kind == OperationKind::kCapture ? captures : voids);
        } else if (r.error->code() == ErrorCode::kTransferNotPending) {
          ++refused;
        } else {
          ADD_FAILURE() << r.error->what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(captures + voids, 20);
  EXPECT_EQ(refused.load(), 20 * 7);
  EXPECT_EQ(balance(b), 100 * captures.load());
  EXPECT_EQ(balance(a), 10'000 - 100 * captures.load());
  EXPECT_EQ(wallets_.get(a).pending_out.minor(), 0);
  EXPECT_TRUE(audit_failures().empty());
}

TEST_F(TwoPhaseTest, PartialReversalsGiveMoneyBackAndNeverExceedTheOriginal) {
  const auto a = new_wallet("alice"), b = new_wallet("bob");
  const auto charge_id = ledger_.apply_one(charge(a, 1'000)).transaction->id;
  const auto first = ledger_.apply_one(reversal(charge_id, 300));
  EXPECT_EQ(first.transaction->kind, TransactionKind::kReversal);
  EXPECT_EQ(first.transaction->reverses, charge_id);
  EXPECT_EQ(first.transaction->reason, "customer refund");
  EXPECT_EQ(balance(a), 700);
  EXPECT_EQ(refusal(reversal(charge_id, 701)), ErrorCode::kReversalExceedsOriginal);

  const auto transfer_id = ledger_.apply_one(transfer(a, b, 500)).transaction->id;
  ledger_.apply_one(withdrawal(b, 450));  // bob spent most of it
  EXPECT_EQ(refusal(reversal(transfer_id, 100)), ErrorCode::kInsufficientFunds);
  ledger_.apply_one(reversal(transfer_id, 50));
  EXPECT_EQ(balance(a), 250);
  EXPECT_EQ(balance(b), 0);

  const auto wd = conn_.exec("SELECT id::text FROM transactions WHERE kind = 'withdrawal'").str(0, 0);
  EXPECT_EQ(refusal(reversal(wd)), ErrorCode::kTransactionNotReversible);
  EXPECT_EQ(refusal(reversal(first.transaction->id)), ErrorCode::kTransactionNotReversible);
  Operation by_user = reversal(charge_id, 1);
  by_user.acting_user = "alice";
  EXPECT_EQ(refusal(by_user), ErrorCode::kForbidden);

  ledger_.apply_one(charge(a, 500));
  const auto rest = ledger_.apply_one(reversal(charge_id));  // no amount: all that is left
  EXPECT_EQ(rest.transaction->amount.minor(), 700);
  EXPECT_EQ(balance(a), 50);
  EXPECT_EQ(rest.transaction->reversed_amount.minor(), 0);
  const auto original = conn_.exec("SELECT (SELECT sum(amount) FROM transactions WHERE reverses = $1)", {charge_id});
  EXPECT_EQ(original.int64(0, 0), 1'000);
  EXPECT_EQ(refusal(reversal(charge_id)), ErrorCode::kReversalExceedsOriginal);
  EXPECT_EQ(events("transaction.reversed"), 3);
  EXPECT_TRUE(audit_failures().empty());
}

// Reversals of one original from many threads never add up to more than it.
TEST_F(TwoPhaseTest, ConcurrentReversalsStopAtTheOriginal) {
  const auto a = new_wallet("alice");
  const auto charge_id = ledger_.apply_one(charge(a, 1'000)).transaction->id;
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto conn = db_.connect();
      Ledger ledger(conn, settings_);
      for (int i = 0; i < 5; ++i) done += ledger.apply({reversal(charge_id, 30)}).front().ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 33) << "33 reversals of 30 fit in 1,000; the 34th does not";
  EXPECT_EQ(balance(a), 10);
  EXPECT_TRUE(audit_failures().empty());
}

// What audit adds: stored pending amounts against the open transfers, and reversals within
// their originals (tampered with as the owner, past the constraints).
TEST_F(TwoPhaseTest, AuditCatchesPendingAmountsAndReversalsThatDisagree) {
  const auto a = new_wallet("alice", 1'000), b = new_wallet("bob");
  ledger_.apply_one(pending(a, b, 100));
  const auto charge_id = ledger_.apply_one(charge(a, 50)).transaction->id;
  ledger_.apply_one(reversal(charge_id, 50));
  ASSERT_TRUE(audit_failures().empty());
  auto admin = db_.admin();
  admin.exec_script(
      "BEGIN; SET LOCAL session_replication_role = replica; "
      "UPDATE wallets SET pending_out = pending_out + 1 WHERE id = '" + a + "'; "
      "UPDATE transactions SET amount = 40 WHERE id = '" + charge_id + "'; COMMIT;");
  const auto failed = audit_failures();
  EXPECT_NE(std::find(failed.begin(), failed.end(), "pending_amounts_match_transfers"), failed.end());
  EXPECT_NE(std::find(failed.begin(), failed.end(), "reversals_within_original"), failed.end());
}

}  // namespace
}  // namespace wallet::testing
