#include "core/notifications.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"

namespace wallet {
namespace {

const nlohmann::json& field(const nlohmann::json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) {
    throw DomainError(ErrorCode::kInvalidInput, std::string("event has no '") + name + "'");
  }
  return object.at(name);
}

std::string text_of(const nlohmann::json& object, const char* name) {
  const auto& v = field(object, name);
  if (!v.is_string()) throw DomainError(ErrorCode::kInvalidInput, std::string("event field '") + name + "' is not a string");
  return v.get<std::string>();
}

std::string money_of(const nlohmann::json& data) {
  const auto& amount = field(data, "amount");
  if (!amount.is_number_integer()) throw DomainError(ErrorCode::kInvalidInput, "event amount is not an integer");
  return format_major(Money(amount.get<std::int64_t>()), text_of(data, "currency"));
}

}  // namespace

std::optional<Notification> render_notification(const nlohmann::json& event, const OwnerLookup& owner_of) {
  const std::string type = text_of(event, "type");
  text_of(event, "id");
  const auto& data = field(event, "data");
  std::string wallet, text;
  if (type == "charge.completed" || type == "transfer.completed") {
    wallet = text_of(data, "destination_wallet_id");
    text = "you received " + money_of(data) + (type == "charge.completed" ? " (top-up)" : " (transfer)");
  } else if (type == "withdrawal.completed") {
    wallet = text_of(data, "wallet_id");
    text = "your withdrawal of " + money_of(data) + " was paid out";
  } else if (type == "withdrawal.failed") {
    wallet = text_of(data, "wallet_id");
    const auto& reason = field(data, "failure_reason");
    text = "your withdrawal of " + money_of(data) + " failed and was refunded" +
           (reason.is_string() ? ": " + reason.get<std::string>() : "");
  } else {
    return std::nullopt;
  }
  auto owner = owner_of(wallet);
  if (!owner) return std::nullopt;
  return Notification{*owner, text};
}

std::optional<std::string> NotificationRecord::owner_of(const std::string& wallet_id) {
  static constexpr const char* kOwner = "SELECT user_id FROM wallets WHERE id = $1::uuid AND kind = 'user'";
  auto res = conn_.exec(kOwner, {wallet_id});
  if (res.rows() == 0) return std::nullopt;
  return res.str(0, 0);
}

bool NotificationRecord::seen(const std::string& message_id) {
  static constexpr const char* kSeen = "SELECT EXISTS (SELECT 1 FROM notifications_seen WHERE message_id = $1)";
  return conn_.exec(kSeen, {message_id}).boolean(0, 0);
}

void NotificationRecord::remember(const std::string& message_id) {
  static constexpr const char* kRemember =
      "INSERT INTO notifications_seen (message_id) VALUES ($1) ON CONFLICT (message_id) DO NOTHING";
  conn_.exec(kRemember, {message_id});
}

}  // namespace wallet
