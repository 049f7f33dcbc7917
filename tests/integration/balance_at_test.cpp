// Balances at a past instant, checked against a model after a random sequence of charges (some
// held, releasing while the sequence runs), transfers both ways and pending transfers
// opened, captured and voided, each instant taken from the database's clock between two writes.
#include <random>

#include "core/balance_at.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class BalanceAtTest : public LedgerFixture {
 protected:
  // The database's clock now: later than the commit of every write before, earlier than the
  // start of every write after.
  Timestamp db_now() { return parse_rfc3339(conn_.exec("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                                                         "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
                                                .str(0, 0)); }
};

struct Hold {
  std::int64_t amount;
  Timestamp written, release_at;
};

struct Expected {
  Timestamp at;
  std::int64_t balance, held, pending_out, pending_in;
};

TEST_F(BalanceAtTest, EveryInstantMatchesTheModel) {
  const auto a = new_wallet("alice"), b = new_wallet("bob");
  const Timestamp before_anything = db_now();
  std::mt19937 rng(20261206);
  const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };

  std::int64_t balance = 0, b_balance = 10'000, pending_out = 0, pending_in = 0;
  ledger_.apply_one(charge(b, 10'000));
  std::vector<Hold> holds;
  std::vector<std::pair<std::string, std::int64_t>> open;  // a's pending transfers to b
  std::vector<Expected> expected;
  const auto held_at = [&](Timestamp t) {
    std::int64_t sum = 0;
    for (const auto& h : holds) sum += (h.written <= t && h.release_at > t) ? h.amount : 0;
    return sum;
  };
  for (int step = 0; step < 120; ++step) {
    // Spend only what no hold can still cover: the model need not know when a write started.
    std::int64_t all_holds = 0;
    for (const auto& h : holds) {
      if (h.release_at > now_utc() - std::chrono::seconds(1)) all_holds += h.amount;  // a second to spare
    }
    const std::int64_t spendable = balance - all_holds - pending_out;
    int kind = pick(6);
    if (kind == 2 && b_balance < 200) kind = 1;
    if (kind == 0 || spendable < 50) {
      const std::int64_t amount = 100 + pick(400);
      auto op = charge(a, amount);
      const bool held = pick(2) == 0;
      const Timestamp written = db_now();
      // Short holds, so that some release while the sequence runs; one whose time passed
      // before its write began (a stalled machine) is refused and asked again for later.
      OperationResult r;
      for (int tries = 0; tries < 10; ++tries) {
        if (held) op.release_at = now_utc() + std::chrono::milliseconds(50 + 50 * tries + pick(200));
        r = ledger_.apply({op}).at(0);
        if (!r.error || r.error->code() != ErrorCode::kInvalidReleaseAt) break;
      }
      ASSERT_TRUE(r.ok()) << r.error->what();
      if (held) holds.push_back({amount, written, *op.release_at});
      balance += amount;
    } else if (kind == 1) {
      const std::int64_t amount = 1 + pick(static_cast<int>(spendable / 2));
      ASSERT_TRUE(ledger_.apply_one(transfer(a, b, amount)).ok());
      balance -= amount;
      b_balance += amount;
    } else if (kind == 2) {
      const std::int64_t amount = 1 + pick(200);
      ASSERT_TRUE(ledger_.apply_one(transfer(b, a, amount)).ok());
      balance += amount;
      b_balance -= amount;
    } else if (kind == 3) {
      auto op = transfer(a, b, 1 + pick(static_cast<int>(spendable / 2)));
      op.kind = OperationKind::kPendingTransfer;
      const auto r = ledger_.apply_one(op);
      ASSERT_TRUE(r.ok());
      open.emplace_back(r.transfer->id, op.amount.minor());
      pending_out += op.amount.minor();
    } else if (!open.empty()) {
      const auto [id, amount] = open.back();
      open.pop_back();
      Operation close;
      close.kind = kind == 4 ? OperationKind::kCapture : OperationKind::kVoid;
      close.target = id;
      ASSERT_TRUE(ledger_.apply_one(close).ok());
      pending_out -= amount;
      if (kind == 4) balance -= amount;
    }
    const Timestamp t = db_now();
    expected.push_back({t, balance, held_at(t), pending_out, pending_in});
  }
  // One more instant once every hold has released (bounded: the last releases within a second).
  Timestamp last_release{};
  for (const auto& h : holds) last_release = std::max(last_release, h.release_at);
  for (int i = 0; i < 2000 && db_now() <= last_release; ++i) {
    conn_.exec("SELECT pg_sleep(0.001)");
  }
  const Timestamp last = db_now();
  expected.push_back({last, balance, held_at(last), pending_out, pending_in});
  // Holds released while the sequence ran, so some instants saw them held and later ones not.
  int released_in_between = 0;
  for (const auto& h : holds) released_in_between += h.release_at < expected.back().at ? 1 : 0;
  EXPECT_GT(released_in_between, 0);

  for (const auto& e : expected) {
    const auto got = balance_at(conn_, a, e.at);
    const auto when = format_rfc3339(e.at);
    EXPECT_EQ(got.balance.minor(), e.balance) << when;
    EXPECT_EQ(got.held.minor(), e.held) << when;
    EXPECT_EQ(got.pending_out.minor(), e.pending_out) << when;
    EXPECT_EQ(got.available().minor(), e.balance - e.held - e.pending_out) << when;
    EXPECT_EQ(balance_at(conn_, b, e.at).pending_in.minor(), e.pending_out) << when;
  }
  const auto start = balance_at(conn_, a, before_anything);
  EXPECT_EQ(start.balance.minor(), 0);
  EXPECT_EQ(start.held.minor(), 0);
  try {
    balance_at(conn_, a, now_utc() + std::chrono::hours(1));
    ADD_FAILURE() << "an instant in the future";
  } catch (const DomainError& e) {
    EXPECT_EQ(e.name(), "at_in_future");
  }
  EXPECT_THROW(balance_at(conn_, "0190a5e4-8c1e-7c3a-9f00-000000000001", before_anything), DomainError);
}

}  // namespace
}  // namespace wallet::testing
