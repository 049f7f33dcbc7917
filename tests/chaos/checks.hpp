// The end of a chaos run: let the system drain, then hold the ledger, the bank, the broker, the
// notification inbox and the balance cache against what the clients were told.
#pragma once

#include <string>
#include <vector>

#include "tests/chaos/clients.hpp"
#include "tests/chaos/cluster.hpp"
#include "tests/chaos/journal.hpp"
#include "tests/support/event_collector.hpp"

namespace wallet::chaos {

struct CheckRow {
  std::string name;
  bool passed = false;
  std::string figure;
  std::vector<std::string> details;  // the first offenders, when it failed
};

struct Observed {
  const std::string& database_url;
  Cluster& cluster;
  const Journal& journal;
  const testing::EventCollector& collector;
  const Wallets& wallets;
  const std::string& api_secret;
};

/// Waits (at most `limit`) until every withdrawal is final, every outbox row is published and
/// has reached the collector, and every notification has reached the inbox. False if it timed out.
bool drain(const Observed& o, std::chrono::seconds limit);

std::vector<CheckRow> run_checks(const Observed& o);

}  // namespace wallet::chaos
