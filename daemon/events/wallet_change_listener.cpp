#include "daemon/events/wallet_change_listener.hpp"

#include "core/logging.hpp"
#include "core/signals.hpp"

namespace wallet::daemon {
namespace {

constexpr std::chrono::milliseconds kRetryDelay{500};
constexpr std::chrono::milliseconds kIdleWait{5000};  // a dead connection is noticed at least this often

}  // namespace

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
  try {
    auto conn = pg::Connection::open(settings_.database.url, static_cast<int>(settings_.database.connect_timeout));
    signals::listen(conn, signals::kWalletChannel);
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
        auto items = signals::parse_wallet_changes(payload);
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
