#include "core/signals.hpp"

#include <charconv>
#include <string_view>

#include "core/pg/array.hpp"

namespace wallet::signals {
namespace {

constexpr const char* kNotify = "SELECT pg_notify($1, '')";
constexpr const char* kNotifyEach = "SELECT pg_notify($1, c) FROM unnest($2::text[]) AS c";
constexpr std::size_t kChangesPerNotification = 100;  // a payload stays far below NOTIFY's 8000 bytes
constexpr const char* kLock = "SELECT pg_advisory_lock($1::bigint)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock($1::bigint)";
constexpr const char* kTryLock = "SELECT pg_try_advisory_lock($1::bigint)";

bool parse_item(std::string_view item, WalletVersion& out) {
  const auto colon = item.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const auto digits = item.substr(colon + 1);
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return false;
  out = {std::string(item.substr(0, colon)), version};
  return true;
}

std::string key_text(Lock key) { return std::to_string(static_cast<std::int64_t>(key)); }

}  // namespace

pg::Statement notify_wallet_changes(const std::vector<WalletVersion>& changed) {
  std::vector<std::string> chunks;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    if (i % kChangesPerNotification == 0) {
      chunks.emplace_back();
    } else {
      chunks.back() += ',';
    }
    chunks.back() += changed[i].wallet_id + ':' + std::to_string(changed[i].version);
  }
  return {kNotifyEach, {kWalletChannel, pg::text_array(chunks)}};
}

pg::Statement notify_withdrawals() { return {kNotify, {kWithdrawalChannel}}; }

std::vector<WalletVersion> parse_wallet_changes(const std::string& payload) {
  std::vector<WalletVersion> out;
  std::string_view rest = payload;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    WalletVersion item;
    if (parse_item(rest.substr(0, comma), item)) out.push_back(std::move(item));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

void listen(pg::Connection& conn, const char* channel) {
  const auto sql = std::string("LISTEN ") + channel;
  conn.exec(sql.c_str());
}

void lock(pg::Connection& conn, Lock key) { conn.exec(kLock, {key_text(key)}); }

void unlock(pg::Connection& conn, Lock key) { conn.exec(kUnlock, {key_text(key)}); }

bool try_lock(pg::Connection& conn, Lock key) { return conn.exec(kTryLock, {key_text(key)}).boolean(0, 0); }

}  // namespace wallet::signals
