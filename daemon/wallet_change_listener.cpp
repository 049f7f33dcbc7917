#include "daemon/wallet_change_listener.hpp"

#include <charconv>

#include "core/logging.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kRetryDelay{500};
constexpr std::chrono::milliseconds kIdleWait{5000};  // a dead connection is noticed at least this often

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

}  // namespace

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

WalletChangeListener::WalletChangeListener(const Settings& settings, BalanceCache& cache)
    : settings_(settings), cache_(cache) {}

WalletChangeListener::~WalletChangeListener() { stop(); }

void WalletChangeListener::start() {
  thread_ = std::thread([this, first = listen()]() mutable { run(std::move(first)); });
}

void WalletChangeListener::stop() {
  if (stopping_.exchange(true)) return;
  wake_.wake();
  if (thread_.joinable()) thread_.join();
}

// Notifications sent before LISTEN took effect are lost to us, so whatever the cache holds
// from before may be stale: it forgets everything.
std::optional<pg::Connection> WalletChangeListener::listen() noexcept {
  static constexpr const char* kListen = "LISTEN walletctl_wallets";
  try {
    auto conn = pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout));
    conn.exec(kListen);
    cache_.forget_all();
    return conn;
  } catch (const std::exception& e) {
    log_event(spdlog::level::warn, "balance cache: cannot listen for wallet changes, retrying", {{"error", e.what()}});
    cache_.forget_all();
    return std::nullopt;
  }
}

void WalletChangeListener::run(std::optional<pg::Connection> listener) {
  while (!stopping_) {
    if (!listener) {
      wake_.wait(-1, kRetryDelay);
      if (!stopping_) listener = listen();
      continue;
    }
    try {
      wake_.wait(listener->socket(), kIdleWait);
      std::vector<WalletVersion> changed;
      for (const auto& payload : listener->take_notifications()) {
        auto items = parse_wallet_changes(payload);
        changed.insert(changed.end(), std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
      }
      cache_.invalidate(changed);
    } catch (const std::exception& e) {
      log_event(spdlog::level::warn, "balance cache: lost the wallet change stream", {{"error", e.what()}});
      cache_.forget_all();
      listener.reset();
    }
  }
}

}  // namespace wallet::daemon
