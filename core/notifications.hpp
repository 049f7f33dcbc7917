// What the wallet owner is told about an event: one line per completed or failed movement.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/pg/connection.hpp"

namespace wallet {

struct Notification {
  std::string user_id;
  std::string text;
};

/// Looks up the owner (user id) of a user wallet; nothing for system accounts or unknown ids.
using OwnerLookup = std::function<std::optional<std::string>(const std::string& wallet_id)>;

/// The notification for an event body {id, type, occurred_at, data}: charge and transfer
/// completions tell the receiving owner, withdrawal completions and failures tell the
/// withdrawing owner. Nothing for other events. Throws DomainError(kInvalidInput) for a body that
/// is not such an event.
std::optional<Notification> render_notification(const nlohmann::json& event, const OwnerLookup& owner_of);

/// The database side of `walletctl notify`: owners, and the message ids already delivered. A
/// batch of messages costs one query to check and one to remember, whatever its size.
class NotificationRecord {
 public:
  explicit NotificationRecord(pg::Connection& conn) : conn_(conn) {}
  /// A wallet's owner never changes: answers are kept (up to kOwnersKept wallets).
  std::optional<std::string> owner_of(const std::string& wallet_id);
  /// Which of these message ids were delivered before.
  std::set<std::string> seen(const std::vector<std::string>& message_ids);
  void remember(const std::vector<std::string>& message_ids);

  static constexpr std::size_t kOwnersKept = 100'000;

 private:
  pg::Connection& conn_;
  std::unordered_map<std::string, std::optional<std::string>> owners_;
};

}  // namespace wallet
