// Injects faults at times and of kinds drawn from the run's seed: SIGKILL of a daemon and its
// restart, PostgreSQL restarted (cleanly or after a crash), Redis killed and restarted,
// RabbitMQ stopped and started, and a bank that fails, hangs, answers slowly or pays and loses
// its answer. One fault at a time; between faults, daemons that died by themselves are
// restarted (and reported).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/chaos/cluster.hpp"
#include "tests/chaos/journal.hpp"

namespace wallet::chaos {

class FaultScheduler {
 public:
  FaultScheduler(Cluster& cluster, Journal& journal, std::string stack_script, std::uint64_t seed);

  /// Injects faults until `until`, then leaves every service and daemon up and the bank paying.
  void run(std::chrono::steady_clock::time_point until);

  /// Faults injected, by kind.
  const std::map<std::string, int>& injected() const { return injected_; }
  /// Daemons found exited without being killed.
  const std::vector<std::string>& unexpected_exits() const { return unexpected_exits_; }

 private:
  void inject();
  void stack(const std::string& action, const std::string& service);
  /// `how` (stop or kill) the service, wait `down_for`, start it again.
  void outage(const std::string& what, const std::string& how, const std::string& service,
              std::chrono::milliseconds down_for);
  std::chrono::milliseconds pause(int min_ms, int max_ms);
  void note(const std::string& what);

  Cluster& cluster_;
  Journal& journal_;
  std::string stack_script_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point started_;
  std::map<std::string, int> injected_;
  std::vector<std::string> unexpected_exits_;
};

}  // namespace wallet::chaos
