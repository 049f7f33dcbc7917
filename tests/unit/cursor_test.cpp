#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/history.hpp"

namespace wallet {
namespace {

const std::string kWallet = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b";
const std::string kOther = "0193a2b4-c5d6-7e8f-9a0b-1c2d3e4f5a6c";
const CursorKey kKey{"5f1c0e5b7d2a4f8e9c3b6a1d0e2f4c7a5f1c0e5b7d2a4f8e9c3b6a1d0e2f4c7a"};
const CursorKey kOtherLedger{"0000000000000000000000000000000000000000000000000000000000000001"};

TEST(Cursor, RoundTrips) { EXPECT_EQ(decode_cursor(kKey, encode_cursor(kKey, kWallet, 4711), kWallet), 4711); }

TEST(Cursor, ForeignTamperedOrGarbageCursorIsInvalidCursor) {
  const auto good = encode_cursor(kKey, kWallet, 4711);
  std::string tampered = good;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  // A cursor signed with another key: what anyone could make while the key was a constant.
  for (const std::string& bad : {encode_cursor(kKey, kOther, 4711), encode_cursor(kOtherLedger, kWallet, 4711), tampered, std::string("!!!"), std::string(),
                                 good.substr(0, good.size() - 2), std::string(500, 'A')}) {
    try {
      decode_cursor(kKey, bad, kWallet);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const DomainError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidCursor);
    }
  }
}

TEST(Limit, OneTo200) {
  EXPECT_EQ(parse_limit("1"), 1);
  EXPECT_EQ(parse_limit("200"), 200);
  for (const char* bad : {"0", "201", "-1", "abc", "", "5x"}) {
    EXPECT_THROW(parse_limit(bad), DomainError) << bad;
  }
}

}  // namespace
}  // namespace wallet
