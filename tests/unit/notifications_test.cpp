// The line `walletctl notify` sends a wallet owner for each event.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/notifications.hpp"

namespace wallet {
namespace {

using nlohmann::json;

std::optional<std::string> owners(const std::string& wallet) {
  if (wallet == "w-alice") return std::string("alice");
  return std::nullopt;  // a system account or an unknown wallet
}

json event(const std::string& type, json data) {
  return {{"id", "e1"}, {"type", type}, {"occurred_at", "2026-11-22T00:00:00Z"}, {"data", std::move(data)}};
}

TEST(NotificationsTest, EachCompletedOrFailedMovementTellsItsOwner) {
  const auto charge = render_notification(
      event("charge.completed", {{"destination_wallet_id", "w-alice"}, {"amount", 1234}, {"currency", "USD"}}), owners);
  ASSERT_TRUE(charge);
  EXPECT_EQ(charge->user_id, "alice");
  EXPECT_EQ(charge->text, "you received 12.34 USD (top-up)");
  const auto failed = render_notification(
      event("withdrawal.failed",
            {{"wallet_id", "w-alice"}, {"amount", 500}, {"currency", "EUR"}, {"failure_reason", "bank answered 422"}}),
      owners);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->text, "your withdrawal of 5.00 EUR failed and was refunded: bank answered 422");
  EXPECT_EQ(render_notification(
                event("withdrawal.completed", {{"wallet_id", "w-alice"}, {"amount", 7}, {"currency", "JPY"}}), owners)
                ->text,
            "your withdrawal of 7 JPY was paid out");
}

TEST(NotificationsTest, OtherEventsAndUnknownOwnersTellNobody) {
  EXPECT_FALSE(render_notification(event("wallet.created", {{"id", "w-alice"}}), owners));
  EXPECT_FALSE(render_notification(event("withdrawal.requested", {{"wallet_id", "w-alice"}}), owners));
  EXPECT_FALSE(render_notification(
      event("transfer.completed", {{"destination_wallet_id", "w-other"}, {"amount", 1}, {"currency", "USD"}}), owners));
}

TEST(NotificationsTest, MalformedEventsAreRefused) {
  for (const auto& bad :
       {json::array(), json{{"type", "charge.completed"}}, event("charge.completed", json::array()),
        event("charge.completed", {{"destination_wallet_id", "w-alice"}, {"amount", "12"}, {"currency", "USD"}}),
        event("charge.completed", {{"destination_wallet_id", 5}, {"amount", 1}, {"currency", "USD"}})}) {
    EXPECT_THROW(render_notification(bad, owners), DomainError) << bad.dump();
  }
}

}  // namespace
}  // namespace wallet
