// The daemon's group committer against a real PostgreSQL: requests of many threads share
// database transactions, each still gets its own answer, and batches that overlap on the same
// wallets from several writer connections never deadlock.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "core/audit.hpp"
#include "daemon/http/group_commit.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

using daemon::GroupCommitter;

class GroupCommitTest : public LedgerFixture {
 protected:
  Settings with_group_commit(std::int64_t writers, std::int64_t max_batch) {
    Settings s = settings_;
    s.group_commit.writers = writers;
    s.group_commit.max_batch = max_batch;
    return s;
  }
  // Applies every op from its own thread at once; results in the order of ops.
  static std::vector<OperationResult> apply_concurrently(GroupCommitter& writes, const std::vector<Operation>& ops) {
    std::vector<OperationResult> results(ops.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = writes.apply(ops[i]); });
    }
    for (auto& t : threads) t.join();
    return results;
  }
};

// One writer is held up behind a row lock while eight requests queue; released, they go in one
// transaction together, and each gets the answer it would have got alone.
TEST_F(GroupCommitTest, ABatchOfMixedRequestsGivesEachItsOwnAnswer) {
  const auto alice = new_wallet("alice", 100), bob = new_wallet("bob", 10), carol = new_wallet("carol");
  const auto earlier = ledger_.apply_one(transfer(alice, carol, 5, "paid-before"));
  const auto settings = with_group_commit(1, 64);
  GroupCommitter writes(settings, nullptr);

  // A first request waits for bob's row, locked here; everything after it queues.
  auto blocker = db_.connect();
  blocker.exec_script("BEGIN; SELECT 1 FROM wallets WHERE id = '" + bob + "' FOR UPDATE;");
  std::thread first([&] { EXPECT_TRUE(writes.apply(transfer(bob, carol, 1)).ok()); });
  EXPECT_TRUE(someone_waits_for_a_lock());

  Operation bound = transfer(bob, carol, 1);
  bound.acting_user = "alice";  // a key bound to alice naming bob's wallet
  const std::vector<Operation> mix = {
      transfer(alice, bob, 30),                                    // ok
      transfer(bob, carol, 500),                                   // insufficient funds
      transfer(alice, "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b", 1),  // unknown wallet
      transfer(alice, carol, 5, "paid-before"),                    // replay of a committed request
      transfer(alice, carol, 6, "paid-before"),                    // same key, other request
      charge(carol, 7, "in-batch"),                                // ok
      bound,                                                       // not alice's wallet: not found
      withdrawal(alice, 20),                                       // ok
  };
  std::vector<OperationResult> results(mix.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < mix.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = writes.apply(mix[i]); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writes.waiting() < mix.size() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(writes.waiting(), mix.size());
  blocker.exec_script("COMMIT");
  first.join();
  for (auto& t : threads) t.join();

  EXPECT_EQ(writes.stats().batches, 2u) << "the queued requests did not share one transaction";
  EXPECT_EQ(writes.stats().operations, 1u + mix.size());
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].error->code(), ErrorCode::kInsufficientFunds);
  EXPECT_EQ(results[2].error->code(), ErrorCode::kWalletNotFound);
  ASSERT_TRUE(results[3].ok());
  EXPECT_TRUE(results[3].replayed);
  EXPECT_EQ(results[3].transaction->id, earlier.transaction->id);
  EXPECT_EQ(results[4].error->code(), ErrorCode::kIdempotencyConflict);
  ASSERT_TRUE(results[5].ok());
  EXPECT_FALSE(results[5].replayed);
  EXPECT_EQ(results[6].error->code(), ErrorCode::kWalletNotFound);
  ASSERT_TRUE(results[7].ok());
  EXPECT_EQ(results[7].withdrawal->amount.minor(), 20);
  EXPECT_EQ(balance(alice), 100 - 5 - 30 - 20);
  EXPECT_EQ(balance(bob), 10 - 1 + 30);
  EXPECT_EQ(balance(carol), 5 + 1 + 7);
  EXPECT_TRUE(run_audit(conn_).passed());
}

// Sixteen threads send four thousand transfers both ways between ten wallets through four
// writers taking at most four operations each: over a thousand transactions that overlap on
// the same rows from different connections. None deadlocks (no attempt is run again), every
// transfer is applied, and the books balance.
TEST_F(GroupCommitTest, OverlappingBatchesFromSeveralWritersNeverDeadlock) {
  constexpr int kWallets = 10, kThreads = 16, kPerThread = 250;
  std::vector<std::string> wallets;
  for (int i = 0; i < kWallets; ++i) wallets.push_back(new_wallet("user-" + std::to_string(i), 1'000'000));
  const auto settings = with_group_commit(4, 4);
  std::atomic<int> refused{0};
  std::atomic<int> ready{0};
  daemon::GroupCommitStats stats;
  {
    GroupCommitter writes(settings, nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 3u);
        std::uniform_int_distribution<int> pick(0, kWallets - 1);
        ready.fetch_add(1);
        while (ready.load() < kThreads) std::this_thread::yield();
        for (int i = 0; i < kPerThread; ++i) {
          const int from = pick(rng);
          const int to = (from + 1 + pick(rng) % (kWallets - 1)) % kWallets;
          if (!writes
                   .apply(transfer(wallets[static_cast<std::size_t>(from)], wallets[static_cast<std::size_t>(to)],
                                   1 + i % 7))
                   .ok()) {
            refused.fetch_add(1);
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    stats = writes.stats();
  }
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(stats.operations, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_GE(stats.batches, 1000u);
  EXPECT_EQ(stats.retries, 0) << "batches deadlocked and were run again";
  EXPECT_EQ(count("SELECT count(*) FROM transactions WHERE kind = 'transfer'"), kThreads * kPerThread);
  std::int64_t total = 0;
  for (const auto& w : wallets) total += balance(w);
  EXPECT_EQ(total, kWallets * 1'000'000);
  const auto report = run_audit(conn_);
  for (const auto& c : report.checks) EXPECT_TRUE(c.passed()) << c.name;
}

}  // namespace
}  // namespace wallet::testing
