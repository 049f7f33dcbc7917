// Frozen wallets: every debit refused, credits still arrive, and a freeze racing transfers
// never lets one through after it committed.
#include <atomic>
#include <thread>

#include "core/pending_transfers.hpp"
#include "core/wallet_controls.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class FrozenWalletTest : public LedgerFixture {};

TEST_F(FrozenWalletTest, EveryDebitIsRefusedAndCreditsStillArrive) {
  const auto a = new_wallet("alice", 1'000), b = new_wallet("bob", 1'000);
  Operation opened = transfer(a, b, 100);
  opened.kind = OperationKind::kPendingTransfer;
  const auto pending = ledger_.apply_one(opened).transfer->id;
  const auto incoming = ledger_.apply_one(transfer(b, a, 50)).transaction->id;

  const auto frozen = freeze_wallet(conn_, 3, a, "court order 17");
  EXPECT_TRUE(frozen.frozen_at.has_value());
  EXPECT_EQ(frozen.frozen_reason, "court order 17");
  Operation again = opened;
  Operation capture;
  capture.kind = OperationKind::kCapture;
  capture.target = pending;
  Operation reversal;  // would take the 50 back out of alice
  reversal.kind = OperationKind::kReversal;
  reversal.target = incoming;
  EXPECT_EQ(code_of(transfer(a, b, 1)), "wallet_frozen");
  EXPECT_EQ(code_of(again), "wallet_frozen");
  EXPECT_EQ(code_of(withdrawal(a, 1)), "wallet_frozen");
  EXPECT_EQ(code_of(capture), "wallet_frozen");
  EXPECT_EQ(code_of(reversal), "wallet_frozen");
  EXPECT_EQ(code_of(charge(a, 10)), "ok");
  EXPECT_EQ(code_of(transfer(b, a, 10)), "ok");
  Operation void_it = capture;
  void_it.kind = OperationKind::kVoid;  // releasing a reservation moves nothing out
  EXPECT_EQ(code_of(void_it), "ok");
  EXPECT_EQ(balance(a), 1'000 + 50 + 10 + 10);
  EXPECT_THROW(freeze_wallet(conn_, 3, a, "again"), DomainError);

  const auto thawed = unfreeze_wallet(conn_, 3, a, "order lifted");
  EXPECT_FALSE(thawed.frozen_at.has_value());
  EXPECT_EQ(code_of(transfer(a, b, 1)), "ok");
  try {
    unfreeze_wallet(conn_, 3, a, "twice");
    ADD_FAILURE() << "unfreezing a wallet that is not frozen";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.name(), "wallet_not_frozen");
  }
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE event_type IN ('wallet.frozen', 'wallet.unfrozen')"), 2);
}

// Transfers out of alice run on their own connection while the freeze commits. Each posting
// locks the wallet row before it reads the state, as the freeze does to change it; so every
// transfer that went through wrote its event before the freeze wrote its own (outbox ids come
// from one sequence, taken under that lock), and every one after was refused.
TEST_F(FrozenWalletTest, AFreezeRacingTransfersLetsNoDebitThroughAfterItCommitted) {
  const auto a = new_wallet("alice", 1'000'000), b = new_wallet("bob");
  std::atomic<int> attempted{0};
  int ok = 0, frozen = 0, other = 0;
  std::thread sender([&] {
    auto conn = db_.connect();
    Ledger ledger(conn, settings_);
    // Until a few refusals show the freeze landed (bounded, should it never land).
    for (int i = 0; i < 20'000 && frozen < 20; ++i) {
      const auto r = ledger.apply({transfer(a, b, 1)}).at(0);
      if (r.ok()) {
        ++ok;
      } else if (r.error->code() == ErrorCode::kWalletFrozen) {
        ++frozen;
      } else {
        ++other;
      }
      attempted.fetch_add(1);
    }
  });
  while (attempted.load() < 50) std::this_thread::yield();
  freeze_wallet(conn_, 3, a, "suspicious activity");
  sender.join();

  EXPECT_GE(ok, 50);
  EXPECT_GT(frozen, 0);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + frozen, attempted.load());
  EXPECT_EQ(balance(a), 1'000'000 - ok);
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'transfer'"), ok);
  const auto freeze_event = count("SELECT id FROM outbox WHERE event_type = 'wallet.frozen'");
  const auto after = "SELECT count(*) FROM outbox WHERE event_type = 'transfer.completed' AND id > " +
                     std::to_string(freeze_event);
  EXPECT_EQ(count(after.c_str()), 0)
      << "a transfer committed after the freeze";
}

}  // namespace
}  // namespace wallet::testing
