#include "core/notifications.hpp"

#include "core/errors.hpp"
#include "core/money.hpp"
#include "core/pg/array.hpp"

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
  if (auto it = owners_.find(wallet_id); it != owners_.end()) return it->second;
  static constexpr const char* kOwner = "SELECT user_id FROM wallets WHERE id = $1::uuid AND kind = 'user'";
  auto res = conn_.exec(kOwner, {wallet_id});
  std::optional<std::string> owner;
  if (res.rows() > 0) owner = res.str(0, 0);
  if (owners_.size() >= kOwnersKept) owners_.clear();
  owners_.emplace(wallet_id, owner);
  return owner;
}

std::set<std::string> NotificationRecord::seen(const std::vector<std::string>& message_ids) {
  static constexpr const char* kSeen = "SELECT message_id FROM notifications_seen WHERE message_id = ANY($1::text[])";
  std::set<std::string> out;
  if (message_ids.empty()) return out;
  auto res = conn_.exec(kSeen, {pg::text_array(message_ids)});
  for (int r = 0; r < res.rows(); ++r) out.insert(res.str(r, 0));
  return out;
}

void NotificationRecord::remember(const std::vector<std::string>& message_ids) {
  static constexpr const char* kRemember =
      "INSERT INTO notifications_seen (message_id) SELECT unnest($1::text[]) ON CONFLICT (message_id) DO NOTHING";
  if (!message_ids.empty()) conn_.exec(kRemember, {pg::text_array(message_ids)});
}

}  // namespace wallet
