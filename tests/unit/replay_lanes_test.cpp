// How a replay batch splits between two connections: groups that share a wallet or a key stay
// together, every group with a charge or withdrawal takes the system lane, each lane keeps
// file order, and a batch with anything the split cannot see through runs as one.
#include <gtest/gtest.h>

#include "core/replay_lanes.hpp"

namespace wallet::testing {
namespace {

Operation op(OperationKind kind, const std::string& from, const std::string& to = "", const std::string& key = "") {
  Operation o;
  o.kind = kind;
  o.wallet.wallet_id = from;
  if (!to.empty()) o.to_wallet_id = to;
  o.amount = Money(100);
  o.idempotency_key = key.empty() ? from + ">" + to + "#" + std::to_string(kind == OperationKind::kCharge) : key;
  return o;
}

Operation transfer(const std::string& from, const std::string& to, const std::string& key = "") {
  return op(OperationKind::kTransfer, from, to, key);
}

TEST(ReplayLanes, GroupsThatShareAWalletStayTogetherAndChargesTakeTheSystemLane) {
  const std::vector<Operation> ops{
      op(OperationKind::kCharge, "a"),                 // 0: system
      transfer("p", "q"),                              // 1: plain
      transfer("a", "b"),                              // 2: joins a, so system
      transfer("q", "r"),                              // 3: joins p-q, plain
      op(OperationKind::kPendingTransfer, "s", "t"),  // 4: plain
      transfer("b", "c"),                              // 5: joins a-b, system
      op(OperationKind::kWithdrawal, "x"),             // 6: system
      transfer("t", "u"),                              // 7: joins s-t, plain
  };
  const auto lanes = split_into_lanes(ops, 1);
  ASSERT_TRUE(lanes);
  EXPECT_EQ(lanes->system, (std::vector<std::size_t>{0, 2, 5, 6}));
  EXPECT_EQ(lanes->plain, (std::vector<std::size_t>{1, 3, 4, 7}));
}

TEST(ReplayLanes, AChainThroughManyWalletsIsOneGroup) {
  // c-d-e-f-g joins g's charge at the end: the whole chain waits for no one and moves together.
  const std::vector<Operation> ops{transfer("c", "d"), transfer("d", "e"), transfer("x", "y"), transfer("e", "f"),
                                   transfer("f", "g"), op(OperationKind::kCharge, "g")};
  const auto lanes = split_into_lanes(ops, 1);
  ASSERT_TRUE(lanes);
  EXPECT_EQ(lanes->system, (std::vector<std::size_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(lanes->plain, (std::vector<std::size_t>{2}));
}

TEST(ReplayLanes, OneKeyOnTwoRowsJoinsThem) {
  // The second row repeats the first's key (a replay or a conflict, decided in file order).
  const std::vector<Operation> ops{op(OperationKind::kCharge, "a", "", "k1"), transfer("p", "q", "k1"),
                                   transfer("m", "n")};
  const auto lanes = split_into_lanes(ops, 1);
  ASSERT_TRUE(lanes);
  EXPECT_EQ(lanes->system, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(lanes->plain, (std::vector<std::size_t>{2}));

  // The same key in another scope is another key.
  auto other_scope = ops;
  other_scope[1].key_scope = "api-key-7";
  const auto apart = split_into_lanes(other_scope, 1);
  ASSERT_TRUE(apart);
  EXPECT_EQ(apart->plain, (std::vector<std::size_t>{1, 2}));
}

TEST(ReplayLanes, WhatTheSplitCannotSeeThroughRunsAsOneBatch) {
  const std::vector<Operation> base{op(OperationKind::kCharge, "a"), transfer("p", "q")};
  ASSERT_TRUE(split_into_lanes(base, 1));

  auto by_user = base;  // which wallet, or whether a charge creates it, only the database knows
  by_user.push_back(op(OperationKind::kCharge, "z"));
  by_user.back().wallet = WalletRef{std::nullopt, std::string("user-1")};
  EXPECT_FALSE(split_into_lanes(by_user, 1));

  for (const auto kind : {OperationKind::kCapture, OperationKind::kVoid, OperationKind::kReversal}) {
    auto acting_on_a_row = base;  // the row it acts on may be in the batch, in the other lane
    Operation o;
    o.kind = kind;
    o.target_key = "k-earlier";
    o.idempotency_key = "k-now";
    acting_on_a_row.push_back(o);
    EXPECT_FALSE(split_into_lanes(acting_on_a_row, 1)) << static_cast<int>(kind);
  }

  EXPECT_FALSE(split_into_lanes(base, 2)) << "a lane below the minimum";
  EXPECT_FALSE(split_into_lanes({transfer("p", "q"), transfer("r", "s")}, 1)) << "no system lane";
  EXPECT_FALSE(split_into_lanes({op(OperationKind::kCharge, "a"), op(OperationKind::kCharge, "b")}, 1))
      << "no plain lane";
}

}  // namespace
}  // namespace wallet::testing
