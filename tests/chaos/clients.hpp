// The chaos run's load: HTTP clients spread over the three serves, a CLI client and a
// settlement replayer. Each sends money operations under idempotency keys, retries an
// ambiguous outcome (no answer, a reset, a 5xx, exit code 3) with the same key until it gets a
// definite one, and records in the journal what it was finally told.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/chaos/cluster.hpp"
#include "tests/chaos/journal.hpp"

namespace wallet::chaos {

/// The users the run works with and their wallets (ids[i] belongs to users[i]).
struct Wallets {
  std::vector<std::string> users, ids;
};

/// Wallets a settlement file may hold frozen (from before its run until its unfreeze row is
/// reported): a debit refused with wallet_frozen is expected there and a bug anywhere else.
class FrozenWallets {
 public:
  void add(const std::string& id) {
    std::lock_guard lock(mutex_);
    ids_.insert(id);
  }
  void remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    ids_.erase(id);
  }
  bool may_be_frozen(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return ids_.count(id) > 0;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> ids_;
};

struct ClientContext {
  Cluster& cluster;
  Journal& journal;
  const Wallets& wallets;
  std::string api_secret;    // one key for every serve: idempotency keys are scoped by API key
  std::string database_url;  // for the CLI and replay
  std::string work_dir;      // settlement files and reports
  const std::atomic<bool>& stop;
  FrozenWallets& frozen;
};

/// Funds `count` users' wallets through serve 1 before any fault; the charges are journaled.
Wallets fund_wallets(Cluster& cluster, Journal& journal, const std::string& api_secret, int count, std::uint64_t seed);

void run_http_client(const ClientContext& ctx, std::uint64_t seed);
void run_cli_client(const ClientContext& ctx, std::uint64_t seed);
void run_replayer(const ClientContext& ctx, std::uint64_t seed);

}  // namespace wallet::chaos
