// walletctl-chaos: a randomized fault run against real daemons and services, checking at the
// end that no money was lost, created or duplicated. scripts/chaos builds and runs it; see
// README.md, Reliability.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "core/amqp_client.hpp"
#include "core/api_keys.hpp"
#include "core/ids.hpp"
#include "daemon/events/event_consumers.hpp"
#include "tests/chaos/checks.hpp"
#include "tests/chaos/clients.hpp"
#include "tests/chaos/cluster.hpp"
#include "tests/chaos/faults.hpp"
#include "tests/chaos/journal.hpp"
#include "tests/support/event_collector.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/paths.hpp"

namespace wallet::chaos {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double minutes = 2;
  std::uint64_t seed = 0;
  int http_clients = 6;
  int wallets = 24;
  std::string log_dir = "chaos-logs";
  bool ha = false;  // PostgreSQL is the formation of scripts/stack-ha: its nodes are killed
};

std::string seconds_text(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << static_cast<double>(ms.count()) / 1000 << " s";
  return out.str();
}

// Under --ha, one row per kind of loss injected: after each, a serve took writes within its limit.
std::vector<CheckRow> writes_resumed(const FaultScheduler& faults) {
  using F = FaultScheduler;
  std::vector<CheckRow> rows;
  for (const auto& loss : {F::kPrimaryLost, F::kStandbyLost, F::kStandbyThenPrimaryLost}) {
    std::vector<std::chrono::milliseconds> measured;
    std::vector<std::string> details;
    int count = 0;
    for (const auto& outage : faults.write_outages()) {
      if (outage.loss != loss.name) continue;
      ++count;
      if (outage.took) {
        measured.push_back(*outage.took);
      } else {
        details.push_back(std::string(loss.name) + " " + std::to_string(count) + ": no write accepted within " +
                          std::to_string(loss.limit.count()) + " s");
      }
    }
    // The primary's loss is always injected (first); the others only when the run lasts to the
    // second fault or the seed draws them.
    if (count == 0 && loss.name != F::kPrimaryLost.name) continue;
    std::sort(measured.begin(), measured.end());
    std::string figure = std::to_string(count) + " times";
    if (!measured.empty()) {
      const auto middle = measured.size() / 2;
      const auto median = measured.size() % 2 ? measured[middle] : (measured[middle - 1] + measured[middle]) / 2;
      figure += "; until writes: median " + seconds_text(median) + ", longest " + seconds_text(measured.back());
    }
    rows.push_back({"after " + std::string(loss.name) + ", a serve took writes within " +
                        std::to_string(loss.limit.count()) + " s",
                    count > 0 && details.empty(), figure, details});
  }
  return rows;
}

void print_table(const std::vector<CheckRow>& rows) {
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.name.size());
  std::cout << "\n"
            << std::left << std::setw(static_cast<int>(width)) << "check"
            << "  result  figure\n";
  for (const auto& r : rows) {
    std::cout << std::left << std::setw(static_cast<int>(width)) << r.name << "  " << (r.passed ? "ok    " : "FAIL  ")
              << "  " << r.figure << "\n";
    if (!r.passed) {
      for (const auto& d : r.details) std::cout << "    " << d << "\n";
    }
  }
}

void print_operations(const Journal& journal, const FaultScheduler& faults, double minutes) {
  std::map<std::string, long> outcomes;
  long total = 0;
  for (const auto& op : journal.operations()) {
    ++total;
    const char* outcome = op.outcome == Outcome::kAcknowledged ? "acknowledged"
                          : op.outcome == Outcome::kRefused    ? "refused"
                                                               : "unknown";
    ++outcomes[std::string(channel_name(op.channel)) + " " + outcome];
  }
  int injected = 0;
  for (const auto& [what, count] : faults.injected()) injected += count;
  std::cout << "\nchaos run: " << std::fixed << std::setprecision(1) << minutes << " minutes, " << total
            << " money operations, " << injected << " faults injected\n";
  for (const auto& [what, count] : outcomes) std::cout << "  operations " << what << ": " << count << "\n";
  for (const auto& [what, count] : journal.counters()) std::cout << "  " << what << ": " << count << "\n";
  for (const auto& [what, count] : faults.injected()) std::cout << "  fault: " << what << ": " << count << "\n";
}

int run(const Options& options) {
  std::filesystem::create_directories(options.log_dir);
  const auto work_dir = std::filesystem::absolute(options.log_dir).string();
  std::cerr << "chaos: seed " << options.seed << ", " << options.minutes << " minutes"
            << (options.ha ? ", PostgreSQL as a formation (--ha)" : "") << "; daemon logs in " << work_dir << std::endl;
  Journal journal;
  testing::TestDatabase db;
  const auto secret = [&] {
    auto conn = db.connect();
    return ApiKeyStore(conn).create("chaos", ApiScope::kAdmin, std::nullopt).secret;
  }();
  // A durable queue: it keeps what arrives while RabbitMQ restarts.
  testing::EventCollector collector("walletctl-chaos-" + new_uuid());
  Cluster cluster(db.url(), work_dir, journal);
  const auto wallets = fund_wallets(cluster, journal, secret, options.wallets, options.seed);

  std::atomic<bool> stop{false};
  FrozenWallets frozen;
  const ClientContext ctx{cluster, journal, wallets, secret, db.url(), work_dir, stop, frozen};
  std::vector<std::thread> clients;
  for (int i = 0; i < options.http_clients; ++i) {
    clients.emplace_back(
        [&ctx, &options, i] { run_http_client(ctx, options.seed * 1000 + static_cast<std::uint64_t>(i)); });
  }
  clients.emplace_back([&ctx, &options] { run_cli_client(ctx, options.seed * 1000 + 101); });
  clients.emplace_back([&ctx, &options] { run_replayer(ctx, options.seed * 1000 + 102); });

  const auto started = Clock::now();
  FaultScheduler faults(cluster, journal, testing::source_dir() + "/scripts/stack", options.seed, options.ha, secret);
  faults.run(started + std::chrono::milliseconds(static_cast<long>(options.minutes * 60'000)));
  stop = true;
  for (auto& t : clients) t.join();  // each finishes (or gives up on) the operation it holds
  const double minutes = std::chrono::duration<double>(Clock::now() - started).count() / 60;
  for (const auto& name : cluster.restart_exited()) std::cerr << "chaos: " << name << " had exited" << std::endl;

  std::cerr << "chaos: load stopped; draining" << std::endl;
  const Observed observed{db.url(), cluster, journal, collector, wallets, secret};
  const bool drained = drain(observed, std::chrono::seconds(180));
  auto rows = run_checks(observed);
  rows.insert(rows.begin(), CheckRow{"the system drained (withdrawals final, events relayed)",
                                     drained,
                                     drained ? "within 180 s" : "not within 180 s",
                                     {}});
  if (options.ha) {
    for (auto& row : writes_resumed(faults)) rows.push_back(std::move(row));
  }
  const auto& exits = faults.unexpected_exits();
  rows.push_back(
      {"no daemon died unless killed", exits.empty(), std::to_string(exits.size()) + " died by themselves", exits});
  const auto anomalies = journal.anomalies();
  rows.push_back({"no 500, crash or undocumented answer", anomalies.empty(), std::to_string(anomalies.size()) + " seen",
                  std::vector<std::string>(
                      anomalies.begin(), anomalies.begin() + std::min<long>(5, static_cast<long>(anomalies.size())))});
  const auto unclean = cluster.stop_all();
  rows.push_back({"every daemon stopped cleanly on SIGTERM at the end", unclean.empty(),
                  std::to_string(cluster.daemon_count() - static_cast<int>(unclean.size())) + " of " +
                      std::to_string(cluster.daemon_count()),
                  unclean});
  // Leave the shared broker as found: no durable queue gathering later events for nobody.
  AmqpConnection::open(testing::required_env("RABBITMQ_URL"), std::chrono::milliseconds(5000))
      .delete_queue(daemon::notify_queues(Settings{}).queue);

  print_operations(journal, faults, minutes);
  print_table(rows);
  const bool passed = std::all_of(rows.begin(), rows.end(), [](const CheckRow& r) { return r.passed; });
  std::cout << "\n" << (passed ? "chaos run passed" : "chaos run FAILED") << "; seed " << options.seed;
  if (!passed) {
    std::cout << std::defaultfloat << std::setprecision(6) << " (again: scripts/chaos " << (options.ha ? "--ha " : "")
              << "--minutes " << options.minutes << " --seed " << options.seed << "; daemon logs in " << work_dir << ")";
  }
  std::cout << std::endl;
  return passed ? 0 : 1;
}

}  // namespace
}  // namespace wallet::chaos

int main(int argc, char** argv) {
  wallet::chaos::Options options;
  CLI::App app("walletctl-chaos: a randomized fault run that checks the ledger's invariants at the end");
  app.add_option("--minutes", options.minutes, "How long faults are injected under load")
      ->check(CLI::Range(0.1, 1440.0));
  app.add_option("--seed", options.seed, "Seed of the fault schedule and the load (default: random)");
  app.add_option("--http-clients", options.http_clients, "HTTP client threads")->check(CLI::Range(1, 64));
  app.add_option("--wallets", options.wallets, "Wallets the load moves money between")->check(CLI::Range(2, 10000));
  app.add_option("--log-dir", options.log_dir, "Where daemon logs and settlement files go");
  app.add_flag("--ha", options.ha,
               "PostgreSQL is the formation of scripts/stack-ha: kill its primary (first, then at random, "
               "or a standby, or a standby and then the primary), "
               "instead of restarting the single node");
  CLI11_PARSE(app, argc, argv);
  if (options.seed == 0) options.seed = std::random_device{}() % 1'000'000 + 1;
  try {
    return wallet::chaos::run(options);
  } catch (const std::exception& e) {
    std::cerr << "walletctl-chaos: " << e.what() << "; seed " << options.seed << std::endl;
    return 2;
  }
}
