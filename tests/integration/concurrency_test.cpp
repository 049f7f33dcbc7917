// Many threads on their own connections against one ledger: money is conserved, no deadlock
// or serialization failure surfaces, and idempotency holds when requests race.
#include <atomic>
#include <random>
#include <set>
#include <thread>

#include "core/audit.hpp"
#include "core/entry_chain.hpp"
#include "core/ids.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class ConcurrencyTest : public LedgerFixture {
 protected:
  // Runs body(thread_index, ledger) on n threads, each with its own connection, all released
  // together so they really overlap.
  template <class Body>
  void on_threads(int n, Body body) {
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        auto conn = db_.connect();
        Ledger ledger(conn, settings_);
        ready.fetch_add(1);
        while (ready.load() < n) std::this_thread::yield();
        body(i, ledger);
      });
    }
    for (auto& t : threads) t.join();
  }
};

TEST_F(ConcurrencyTest, FiftyConcurrentTransfersOfOneLeave950And50) {
  const auto from = new_wallet("payer", 1000);
  const auto to = new_wallet("payee");
  std::atomic<int> failures{0};
  on_threads(50, [&](int, Ledger& ledger) {
    if (!ledger.apply({transfer(from, to, 1)}).at(0).ok()) failures.fetch_add(1);
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(balance(from), 950);
  EXPECT_EQ(balance(to), 50);
  EXPECT_TRUE(run_audit(conn_).passed());
}

TEST_F(ConcurrencyTest, RandomOperationsFromEightThreadsConserveMoney) {
  constexpr int kWallets = 20, kThreads = 8, kOpsPerThread = 2000;
  std::vector<std::string> wallets;
  for (int i = 0; i < kWallets; ++i) wallets.push_back(new_wallet("user-" + std::to_string(i), 5'000));
  std::atomic<std::int64_t> charged{kWallets * 5'000}, withdrawn{0};
  std::atomic<int> unexpected{0}, insufficient{0};
  on_threads(kThreads, [&](int t, Ledger& ledger) {
    std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1u);
    // Transfers go both ways between the same pairs, the pattern that deadlocks without ordering.
    auto pick = [&] { return wallets[std::uniform_int_distribution<std::size_t>(0, kWallets - 1)(rng)]; };
    for (int i = 0; i < kOpsPerThread; ++i) {
      const int dice = std::uniform_int_distribution<int>(0, 9)(rng);
      const std::int64_t amount = std::uniform_int_distribution<std::int64_t>(1, 400)(rng);
      Operation op;
      if (dice < 2) {
        op = charge(pick(), amount);
      } else if (dice < 4) {
        op = withdrawal(pick(), amount);
      } else {
        auto a = pick(), b = pick();
        while (b == a) b = pick();
        op = transfer(a, b, amount);
      }
      try {
        const auto r = ledger.apply({op}).at(0);
        if (r.ok() && op.kind == OperationKind::kCharge) charged += amount;
        if (r.ok() && op.kind == OperationKind::kWithdrawal) withdrawn += amount;
        if (!r.ok() && r.error->code() == ErrorCode::kInsufficientFunds) insufficient++;
        if (!r.ok() && r.error->code() != ErrorCode::kInsufficientFunds) unexpected++;
      } catch (const std::exception& e) {
        unexpected++;
        ADD_FAILURE() << e.what();
      }
    }
  });
  EXPECT_EQ(unexpected.load(), 0);
  const auto report = run_audit(conn_);
  for (const auto& c : report.checks) EXPECT_TRUE(c.passed()) << c.name;
  const auto total = conn_.exec("SELECT sum(balance) FROM wallets WHERE kind = 'user'").int64(0, 0);
  EXPECT_EQ(total, charged.load() - withdrawn.load());
  RecordProperty("insufficient_funds", insufficient.load());
}

TEST_F(ConcurrencyTest, SixteenThreadsWithOneKeyMakeExactlyOneEffect) {
  const auto from = new_wallet("payer", 1000);
  const auto to = new_wallet("payee");
  std::mutex mu;
  std::set<std::string> ids;
  std::atomic<int> errors{0}, replays{0};
  on_threads(16, [&](int, Ledger& ledger) {
    const auto r = ledger.apply({transfer(from, to, 7, "same-key")}).at(0);
    if (!r.ok()) {
      errors++;
      return;
    }
    replays += r.replayed ? 1 : 0;
    std::lock_guard lock(mu);
    ids.insert(r.transaction->id);
  });
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(replays.load(), 15);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(balance(to), 7);
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'transfer'"), 1);
  const auto conflict = ledger_.apply({transfer(from, to, 8, "same-key")}).at(0);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error->code(), ErrorCode::kIdempotencyConflict);
  EXPECT_EQ(balance(to), 7);
}

TEST_F(ConcurrencyTest, ChargesByUserRacingToCreateTheWalletMakeOneWallet) {
  on_threads(8, [&](int i, Ledger& ledger) {
    Operation op = charge("", 10, "k-" + std::to_string(i));
    op.wallet = {std::nullopt, std::string("newcomer")};
    const auto r = ledger.apply({op}).at(0);
    EXPECT_TRUE(r.ok()) << (r.error ? r.error->what() : "");
  });
  EXPECT_EQ(count("SELECT count(*) FROM wallets WHERE user_id = 'newcomer'"), 1);
  EXPECT_EQ(wallets_.get_by_user("newcomer", "USD").balance.minor(), 80);
  EXPECT_TRUE(run_audit(conn_).passed());
}

}  // namespace
}  // namespace wallet::testing

namespace wallet::testing {
namespace {

using HoldRaceTest = LedgerFixture;

// A debit that waited for a wallet's lock must see the holds the lock holder committed, or it
// could spend funds that are not released yet.
TEST_F(HoldRaceTest, ADebitThatWaitedForALockSeesTheHoldsCommittedMeanwhile) {
  const auto a = new_wallet("alice");
  auto other = db_.connect();
  Ledger other_ledger(other, settings_);
  // Another transaction holds alice's row while it charges 500 held until tomorrow.
  auto holder = db_.admin();
  holder.exec_script("BEGIN; SELECT 1 FROM wallets WHERE id = '" + a + "' FOR UPDATE;");
  std::optional<OperationResult> debit;
  std::thread debtor([&] { debit = other_ledger.apply({withdrawal(a, 500)}).at(0); });
  ASSERT_TRUE(someone_waits_for_a_lock());
  const auto tx = new_uuid();
  const auto funding = conn_.exec("SELECT id::text FROM wallets WHERE kind = 'funding'").str(0, 0);
  // What the application would write, hash chain included (both accounts have no entries yet).
  const auto funding_hash = entry_hash(kChainGenesis, tx, funding, Money(-500), Money(-500));
  const auto alice_hash = entry_hash(kChainGenesis, tx, a, Money(500), Money(500));
  holder.exec_script(
      "INSERT INTO transactions (id, kind, amount, currency, source_wallet_id, destination_wallet_id, release_at) "
      "VALUES ('" +
      tx + "', 'charge', 500, 'USD', '" + funding + "', '" + a +
      "', now() + interval '1 day');"
      "INSERT INTO ledger_entries (transaction_id, wallet_id, amount, balance_after, entry_hash) VALUES ('" +
      tx + "', '" + funding + "', -500, -500, '" + funding_hash + "'), ('" + tx + "', '" + a + "', 500, 500, '" +
      alice_hash +
      "');"
      "INSERT INTO holds (transaction_id, wallet_id, amount, release_at) VALUES ('" +
      tx + "', '" + a +
      "', 500, now() + interval '1 day');"
      "UPDATE wallets SET balance = balance + 500, chain_head = '" +
      alice_hash + "' WHERE id = '" + a +
      "';"
      "UPDATE wallets SET balance = balance - 500, chain_head = '" +
      funding_hash + "' WHERE id = '" + funding +
      "';"
      "COMMIT;");
  debtor.join();
  ASSERT_TRUE(debit.has_value());
  ASSERT_FALSE(debit->ok()) << "spent held funds";
  EXPECT_EQ(debit->error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(balance(a), 500);
}

}  // namespace
}  // namespace wallet::testing
