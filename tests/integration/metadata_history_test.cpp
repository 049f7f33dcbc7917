// History filtered by one metadata pair: the right lines, paged, through the indexes of
// migration 0014 rather than a walk of the wallet's entries.
#include <set>

#include "core/history.hpp"
#include "tests/support/ledger_fixture.hpp"

namespace wallet::testing {
namespace {

class MetadataHistoryTest : public LedgerFixture {
 protected:
  // `n` charges of 1 to `wallet` in batches, the i-th with order_id O<i> and, every other one,
  // parity=even.
  void charges_with_metadata(const std::string& wallet, int n) {
    std::vector<Operation> batch;
    for (int i = 0; i < n; ++i) {
      auto op = charge(wallet, 1);
      op.metadata = {{"order_id", "O" + std::to_string(i)}};
      if (i % 2 == 0) op.metadata["parity"] = "even";
      batch.push_back(op);
      if (batch.size() == 1000 || i + 1 == n) {
        for (const auto& r : ledger_.apply(batch)) ASSERT_TRUE(r.ok());
        batch.clear();
      }
    }
  }
  static HistoryQuery with_pair(const std::string& key, const std::string& value, int limit = 50) {
    return {limit, std::nullopt, std::make_pair(key, value)};
  }
};

TEST_F(MetadataHistoryTest, OnePairFindsItsTransactionsThroughTheMetadataIndex) {
  const auto a = new_wallet("alice"), b = new_wallet("bob");
  charges_with_metadata(a, 20'000);
  auto t = transfer(a, b, 5);
  t.metadata = {{"order_id", "O7"}};  // the same pair in another wallet's history too
  ASSERT_TRUE(ledger_.apply_one(t).ok());
  db_.owner().exec("ANALYZE wallets, transactions, ledger_entries");  // what autovacuum does on a live ledger

  const auto page = wallet_history(conn_, a, with_pair("order_id", "O12345"));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].transaction.metadata.at("order_id"), "O12345");
  EXPECT_EQ(page.items[0].entry_amount.minor(), 1);
  EXPECT_FALSE(page.next_cursor);
  const auto o7 = wallet_history(conn_, b, with_pair("order_id", "O7"));
  ASSERT_EQ(o7.items.size(), 1u);
  EXPECT_EQ(o7.items[0].transaction.kind, TransactionKind::kTransfer);
  EXPECT_EQ(wallet_history(conn_, a, with_pair("order_id", "O7")).items.size(), 2u);  // the charge and the transfer
  EXPECT_TRUE(wallet_history(conn_, a, with_pair("order_id", "nowhere")).items.empty());
  EXPECT_EQ(user_history(conn_, "alice", with_pair("order_id", "O19999")).items.size(), 1u);

  // The plan: the pair's posting list in the metadata index, then each match's entry by its
  // transaction; no scan of the wallet's 20,000 entries.
  const auto plan = wallet_history_plan(conn_, a, with_pair("order_id", "O12345"));
  EXPECT_NE(plan.find("transactions_metadata"), std::string::npos) << plan;
  EXPECT_NE(plan.find("ledger_entries_by_transaction"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan on ledger_entries"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Seq Scan on transactions"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("ledger_entries_pkey"), std::string::npos) << plan;
}

TEST_F(MetadataHistoryTest, ACommonPairPagesThroughOnlyItsLines) {
  const auto a = new_wallet("alice");
  charges_with_metadata(a, 301);
  std::set<std::string> seen;
  HistoryQuery q = with_pair("parity", "even", 40);
  int pages = 0;
  do {
    const auto page = wallet_history(conn_, a, q);
    for (const auto& item : page.items) {
      EXPECT_EQ(item.transaction.metadata.at("parity"), "even");
      EXPECT_TRUE(seen.insert(item.transaction.id).second) << "a line shown twice";
    }
    q.cursor = page.next_cursor;
    ++pages;
  } while (q.cursor && pages < 20);
  EXPECT_EQ(seen.size(), 151u);
  EXPECT_EQ(pages, 4);
}

}  // namespace
}  // namespace wallet::testing
