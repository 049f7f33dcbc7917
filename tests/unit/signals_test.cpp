// The wallet-change payload that writers and the trigger send and every serve reads.
#include "core/signals.hpp"

#include <gtest/gtest.h>

namespace wallet {
namespace {

TEST(WalletChangesTest, PayloadsParseAndMalformedItemsAreSkipped) {
  const auto changes = signals::parse_wallet_changes("a-1:5,b-2:17,bad,:3,c-3:x,d-4:9");
  ASSERT_EQ(changes.size(), 3U);
  EXPECT_EQ(changes[0].wallet_id, "a-1");
  EXPECT_EQ(changes[0].version, 5);
  EXPECT_EQ(changes[1].version, 17);
  EXPECT_EQ(changes[2].wallet_id, "d-4");
  EXPECT_TRUE(signals::parse_wallet_changes("").empty());
}

}  // namespace
}  // namespace wallet
